"""The benchmark data set: reproducible (fixed seed), bulk loaded with COPY, then VACUUM ANALYZE.

At full scale: 100 000 clients (10 % referred), 1 000 000 points entries (mostly earnings,
each with its closed one-line ticket; some redemptions and adjustments), one "whale" with
100 000 entries and a ladder of clients with 10, 100, 1 000 and 10 000 entries (for the
history-size chart). `--scale 0.01` makes the same shape at 1 000 clients (P5's small side).

The database is rebuilt only when its marker (a hash of this file, the migrations and the
scale) differs, so a re-run of `make bench` skips generation.

    python -m bench.generate --database salon_bench --scale 1
"""

import argparse
import hashlib
import heapq
import io
import json
import os
import random
import subprocess
import sys
import time
from collections import deque
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import psycopg

ROOT = Path(__file__).resolve().parent.parent
SEED = 20261122
SERVER = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
MARKER_TABLE = "bench_marker"
HISTORY_DAYS = 3 * 365
HOLD = timedelta(hours=24)
# Points expire EXPIRY_DAYS after posting since a policy set POLICY_AGE ago; the expiry run
# has not run since (issue 17's bench: "10 % of lots due"), so lots past their date still
# hold points. Earlier lots never expire.
EXPIRY_DAYS = 365
POLICY_AGE = timedelta(days=560)
SALON_ZONE = ZoneInfo(os.environ.get("TIME_ZONE", "America/New_York"))


def local_date(moment: datetime) -> date:
    return moment.astimezone(SALON_ZONE).date()


class LotBook:
    """One client's lots as the ledger keeps them (R51-R52), simulated while generating: a
    redemption draws from lots available and not past their date, first-expiring first; a
    negative adjustment then from the pending ones; so remainders always sum to the total.

    Entries come in time order, so lots are made in order of posting and of expiry date:
    dated lots first-expiring first are the dated ones in posting order, then the undated
    (never-expiring) ones; a lot past its date is a prefix of the dated ones. Running sums
    keep each step cheap for the whale (100 000 entries).
    """

    ID, POINTS, REMAINING, EXPIRES_ON, AVAILABLE_AT, CREATED_AT, STATE = range(7)
    PENDING, AVAILABLE, PAST_DATE = range(3)

    def __init__(self):
        self.lots: list[list] = []
        self.dated: deque[list] = deque()
        self.undated: deque[list] = deque()
        self.pending: list[tuple] = []  # heap of (available_at, id, lot)
        self.sums = [0, 0]  # remaining points pending, available

    def add(self, entry_id, points, expires_on, available_at, created_at) -> None:
        lot = [entry_id, points, points, expires_on, available_at, created_at, self.PENDING]
        self.lots.append(lot)
        (self.undated if expires_on is None else self.dated).append(lot)
        heapq.heappush(self.pending, (available_at, entry_id, lot))
        self.sums[self.PENDING] += points

    def advance(self, moment: datetime) -> None:
        """Lots whose hold ended become available; lots past their date leave the draws."""
        while self.pending and self.pending[0][0] <= moment:
            lot = heapq.heappop(self.pending)[2]
            self.sums[self.PENDING] -= lot[self.REMAINING]
            self.sums[self.AVAILABLE] += lot[self.REMAINING]
            lot[self.STATE] = self.AVAILABLE
        today = local_date(moment)
        while self.dated and self.dated[0][self.EXPIRES_ON] < today:
            lot = self.dated.popleft()
            if lot[self.STATE] != self.PAST_DATE:
                self.sums[lot[self.STATE]] -= lot[self.REMAINING]
                lot[self.STATE] = self.PAST_DATE

    def drawable(self, *, pending: bool) -> int:
        return self.sums[self.AVAILABLE] + (self.sums[self.PENDING] if pending else 0)

    def draw(self, points: int, *, pending: bool) -> list[tuple[int, int]]:
        taken = []
        for state in (self.AVAILABLE, self.PENDING) if pending else (self.AVAILABLE,):
            for queue in (self.dated, self.undated):
                while queue and queue[0][self.REMAINING] == 0:
                    queue.popleft()
                for lot in queue:
                    if points == 0:
                        return taken
                    if lot[self.STATE] != state or lot[self.REMAINING] == 0:
                        continue
                    part = min(points, lot[self.REMAINING])
                    lot[self.REMAINING] -= part
                    self.sums[state] -= part
                    taken.append((lot[self.ID], part))
                    points -= part
        return taken


def schema_hash(scale: float) -> str:
    """Changes whenever the generator, any migration or the scale changes."""
    digest = hashlib.sha256(f"scale={scale}".encode())
    digest.update(Path(__file__).read_bytes())
    for migration in sorted(ROOT.glob("*/migrations/0*.py")):
        digest.update(str(migration.relative_to(ROOT)).encode())
        digest.update(migration.read_bytes())
    return digest.hexdigest()[:16]


def read_marker(database: str) -> dict | None:
    try:
        with psycopg.connect(f"{SERVER}/{database}", autocommit=True) as connection:
            row = connection.execute(f"SELECT hash, meta FROM {MARKER_TABLE}").fetchone()
    except psycopg.Error:
        return None
    return {"hash": row[0], "meta": json.loads(row[1])} if row else None


def recreate_database(database: str) -> None:
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{database}"')


def migrate(database: str) -> None:
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="bench.settings")
    env["DATABASE_URL"] = f"{SERVER}/{database}"
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
    )


def tsv(value) -> str:
    if value is None:
        return r"\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


class Copier:
    """Collects rows as COPY text, then streams them in one COPY (psycopg 3 cursor.copy).

    One connection runs one COPY at a time, so tables generated together are collected
    first and loaded one after the other.
    """

    def __init__(self, cursor, table: str, columns: list[str]):
        self.cursor = cursor
        self.statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
        self.buffer = io.StringIO()

    def write(self, *values) -> None:
        self.buffer.write("\t".join(tsv(value) for value in values))
        self.buffer.write("\n")

    def close(self) -> None:
        self.buffer.seek(0)
        with self.cursor.copy(self.statement) as copy:
            while chunk := self.buffer.read(8 << 20):
                copy.write(chunk)
        self.buffer = io.StringIO()


FIRST_NAMES = ["Ana", "Ben", "Chloe", "Dev", "Emma", "Farid", "Grace", "Hugo", "Iris", "Jon"]
LAST_NAMES = ["Smith", "Garcia", "Nguyen", "Khan", "Rossi", "Müller", "Okafor", "Kim", "Silva"]


def history_sizes(rng: random.Random, clients: int, entries: int, whale: int) -> list[int]:
    """Entries per client: the whale first, then the ladder, then an exponential spread."""
    ladder = [size for size in (10, 100, 1_000, 10_000) if size < whale]
    fixed = [whale, *ladder]
    rest = clients - len(fixed)
    remaining = entries - sum(fixed)
    mean = remaining / rest
    sizes = [max(1, round(rng.expovariate(1 / mean))) for _ in range(rest)]
    difference = remaining - sum(sizes)
    while difference != 0:
        index = rng.randrange(rest)
        step = 1 if difference > 0 else -1
        if sizes[index] + step >= 1:
            sizes[index] += step
            difference -= step
    return fixed + sizes


def generate(database: str, scale: float) -> dict:
    rng = random.Random(SEED)
    clients = round(100_000 * scale)
    entries_total = round(1_000_000 * scale)
    whale_size = round(100_000 * scale)
    now = datetime.now(UTC).replace(microsecond=0)
    start = now - timedelta(days=HISTORY_DAYS)
    sizes = history_sizes(rng, clients, entries_total, whale_size)

    with psycopg.connect(f"{SERVER}/{database}") as connection:
        cursor = connection.cursor()
        # Rows are consistent by construction: skip the per-row foreign key triggers.
        cursor.execute("SET session_replication_role = replica")
        cursor.execute(
            "INSERT INTO catalog_item (name, kind, price, active, created_at, duration_minutes) "
            "VALUES ('Haircut', 'service', 60.00, true, %(now)s, 45), "
            "('Colour', 'service', 120.00, true, %(now)s, 90), "
            "('Shampoo', 'product', 25.00, true, %(now)s, 1) RETURNING id",
            {"now": now},
        )
        cursor.execute("SELECT id, price FROM catalog_item ORDER BY id")
        items = cursor.fetchall()
        cursor.execute(
            "UPDATE salon_features SET automated_email_marketing = true, mass_email = true, "
            "rewards_referrals = true"
        )

        client_rows = Copier(
            cursor,
            "clients_client",
            [
                "id",
                "first_name",
                "last_name",
                "phone",
                "email",
                "birthday",
                "notes",
                "sms_consent",
                "source",
                "referral_code",
                "referred_by_id",
                "merged_into_id",
                "user_id",
                "created_by_id",
                "created_at",
                "updated_at",
            ],
        )
        referred = set()
        for client_id in range(1, clients + 1):
            referrer = None
            # 10 % referred by an earlier client; the measured clients (1-5) never are, and
            # client 7 always is, by client 6 (P3 closes its tickets: only 6 and 7 gain rows).
            if client_id == 7:
                referrer = 6
            elif client_id > 7 and rng.random() < 0.10:
                referrer = rng.randrange(1, client_id)
            if referrer is not None:
                referred.add(client_id)
            created = start + timedelta(seconds=rng.randrange(86_400 * 30))
            client_rows.write(
                client_id,
                rng.choice(FIRST_NAMES),
                f"{rng.choice(LAST_NAMES)}{client_id}",
                f"+1212{200 + client_id // 10_000:03d}{client_id % 10_000:04d}",
                f"client{client_id}@example.com",
                None,
                "",
                True,
                "front_desk",
                f"B{client_id:07d}",
                referrer,
                None,
                None,
                None,
                created,
                created,
            )
        client_rows.close()

        ticket_rows = Copier(
            cursor,
            "tickets_ticket",
            ["id", "client_id", "status", "created_at", "closed_at", "void_reason", "updated_at"],
        )
        line_rows = Copier(
            cursor,
            "tickets_ticketline",
            [
                "id",
                "ticket_id",
                "item_id",
                "quantity",
                "unit_price",
                "package_redemption",
                "net_amount",
                "created_at",
                "tax",
                "tax_included",
            ],
        )
        entry_rows = Copier(
            cursor,
            "loyalty_pointsentry",
            [
                "id",
                "client_id",
                "points",
                "kind",
                "action",
                "beneficiary",
                "ticket_id",
                "created_at",
                "available_at",
                "memo",
                "idempotency_key",
                "expires_on",
            ],
        )
        balance_rows = Copier(
            cursor,
            "loyalty_pointsbalance",
            ["client_id", "total", "next_expiry_on", "next_expiry_points", "debt"],
        )
        lot_rows = Copier(
            cursor,
            "loyalty_pointslot",
            [
                "entry_id",
                "client_id",
                "points",
                "remaining",
                "expires_on",
                "available_at",
                "created_at",
            ],
        )
        allocation_rows = Copier(
            cursor, "loyalty_allocation", ["id", "debit_id", "lot_id", "points", "created_at"]
        )
        ticket_id = entry_id = allocation_id = 0
        lots_total = due_lots = 0
        today = local_date(now)
        span = (now - start).total_seconds()
        for client_id, size in enumerate(sizes, start=1):
            # Times spread over the history; ~5 % of clients (and the whale) have entries
            # inside the last hold window, so pending is not always 0.
            moments = sorted(start + timedelta(seconds=rng.random() * span) for _ in range(size))
            recent = 30 if client_id == 1 else (1 if rng.random() < 0.05 else 0)
            for index in range(max(0, size - recent), size):
                moments[index] = now - timedelta(seconds=rng.randrange(1, 20 * 3600))
            total = 0
            book = LotBook()
            for moment in moments:
                entry_id += 1
                roll = rng.random()
                book.advance(moment)
                redeemable = book.drawable(pending=False)
                expires_on = None
                if roll < 0.10 and redeemable >= 500:
                    points = -rng.randrange(100, min(redeemable, 2_000) + 1)
                    values = (points, "redeem", "", "", None, moment, moment, "Redeemed")
                elif roll < 0.15:
                    points = rng.choice((-1, 1)) * rng.randrange(10, 200)
                    if -points > book.drawable(pending=True):
                        points = -points
                    values = (points, "manual", "", "", None, moment, moment, "Adjustment")
                elif roll < 0.20 and client_id not in referred:
                    points = rng.randrange(5, 50)
                    values = (
                        points,
                        "referral_earn",
                        "client_referral",
                        "referrer",
                        None,
                        moment,
                        moment + HOLD,
                        "Referring a new client",
                    )
                else:
                    ticket_id += 1
                    item_id, price = items[rng.randrange(len(items))]
                    ticket_rows.write(ticket_id, client_id, "closed", moment, moment, "", moment)
                    line_rows.write(
                        ticket_id, ticket_id, item_id, 1, price, False, price, moment, 0, False
                    )
                    points = int(price)
                    values = (
                        points,
                        "earn",
                        "service_purchase",
                        "client",
                        ticket_id,
                        moment,
                        moment + HOLD,
                        f"Service purchase (ticket #{ticket_id})",
                    )
                if points > 0:
                    if moment >= now - POLICY_AGE:
                        expires_on = local_date(moment) + timedelta(days=EXPIRY_DAYS)
                    book.add(entry_id, points, expires_on, values[6], moment)
                else:
                    for lot_id, part in book.draw(-points, pending=values[1] == "manual"):
                        allocation_id += 1
                        allocation_rows.write(allocation_id, entry_id, lot_id, part, moment)
                total += points
                entry_rows.write(entry_id, client_id, *values, f"bench:{entry_id}", expires_on)
            for entry, points, remaining, expires_on, available_at, created_at, _ in book.lots:
                lot_rows.write(
                    entry, client_id, points, remaining, expires_on, available_at, created_at
                )
                lots_total += 1
                due_lots += remaining > 0 and expires_on is not None and expires_on < today
            # The lot figures the ledger keeps on the balance row (loyalty/ledger.py, P2).
            held, on = LotBook.REMAINING, LotBook.EXPIRES_ON
            dated = [lot for lot in book.lots if lot[held] > 0 and lot[on] is not None]
            next_on = min((lot[on] for lot in dated), default=None)
            next_points = sum(lot[held] for lot in dated if lot[on] == next_on)
            debt = -sum(lot[held] for lot in book.lots if lot[held] < 0)
            balance_rows.write(client_id, total, next_on, next_points, debt)
        for copier in (
            ticket_rows,
            line_rows,
            entry_rows,
            balance_rows,
            lot_rows,
            allocation_rows,
        ):
            copier.close()
        # The stored qualifying spend (R61) the services keep: per client and UTC day of the
        # close, the pre-tax net of every line but gift cards (tickets/spend.py).
        cursor.execute(
            "INSERT INTO tickets_dailyspend (client_id, day, amount) "
            "SELECT t.client_id, (t.closed_at AT TIME ZONE 'UTC')::date, "
            "SUM(CASE WHEN l.tax_included THEN l.net_amount - l.tax ELSE l.net_amount END) "
            "FROM tickets_ticketline l JOIN tickets_ticket t ON t.id = l.ticket_id "
            "JOIN catalog_item i ON i.id = l.item_id "
            "WHERE t.status = 'closed' AND t.client_id IS NOT NULL AND i.kind <> 'gift_card' "
            "GROUP BY 1, 2"
        )
        # Bench lots expire EXPIRY_DAYS after posting, as the policy says (R51).
        cursor.execute("UPDATE loyalty_loyaltysettings SET expiry_days = %s", [EXPIRY_DAYS])
        for table in (
            "clients_client",
            "tickets_ticket",
            "tickets_ticketline",
            "loyalty_pointsentry",
            "loyalty_allocation",
            "catalog_item",
        ):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT max(id) FROM {table}))"
            )
        connection.commit()

    regular = sorted(range(len(sizes) - 1, 5, -1), key=lambda index: sizes[index])
    median_index = regular[len(regular) // 2]
    meta = {
        "clients": clients,
        "entries": entries_total,
        "tickets": ticket_id,
        "referred": len(referred),
        "whale": {"id": 1, "entries": sizes[0]},
        "ladder": [{"id": index + 1, "entries": sizes[index]} for index in range(len(sizes[:5]))],
        "median": {"id": median_index + 1, "entries": sizes[median_index]},
        "referred_client": {"id": 7, "entries": sizes[6]},
        "lots": lots_total,
        "due_lots": due_lots,
        "allocations": allocation_id,
        "expiry_days": EXPIRY_DAYS,
        "generated_at": now.isoformat(),
    }
    return meta


def ensure(database: str, scale: float) -> dict:
    """The generated database's meta, generating it first if its marker is stale."""
    expected = schema_hash(scale)
    marker = read_marker(database)
    if marker and marker["hash"] == expected:
        print(f"[bench] {database}: cached data set {expected} reused", flush=True)
        return marker["meta"]
    began = time.monotonic()
    print(f"[bench] {database}: generating (scale {scale}, seed {SEED})...", flush=True)
    recreate_database(database)
    migrate(database)
    meta = generate(database, scale)
    with psycopg.connect(f"{SERVER}/{database}", autocommit=True) as connection:
        connection.execute("VACUUM ANALYZE")
        connection.execute(f"CREATE TABLE {MARKER_TABLE} (hash text, meta text)")
        connection.execute(
            f"INSERT INTO {MARKER_TABLE} VALUES (%s, %s)", (expected, json.dumps(meta))
        )
    meta["generation_seconds"] = round(time.monotonic() - began, 1)
    print(f"[bench] {database}: generated in {meta['generation_seconds']} s", flush=True)
    return meta


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database", default="salon_bench")
    parser.add_argument("--scale", type=float, default=1.0)
    arguments = parser.parse_args()
    print(json.dumps(ensure(arguments.database, arguments.scale), indent=2))


if __name__ == "__main__":
    main()
