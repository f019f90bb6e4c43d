"""Save the README's screenshots: `make screenshots` runs it on a fresh demo database.

It starts `runserver` on this database, signs in as the demo Manager with Chromium
(Playwright, Debian's /usr/bin/chromium) and saves PNGs of the day sheet, the checkout
screen (open, and closed with its receipt buttons), the Client Log, a ticket's payment
area with Redeem, the rewards configuration table, the loyalty report, the preview of a
client import and an 80 mm receipt into
docs/screenshots/.
"""

import io
import os
import subprocess
import sys
import time
import urllib.request
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from PIL import Image, ImageDraw

from clients.models import Client
from clients.services import client_file_upload
from tickets.models import Ticket, TicketStatus

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
DEMO_MANAGER = ("manager", "salon-manager-demo")  # salon/management/commands/seed_demo.py
MOVING_IN_EXAMPLE = Path(settings.BASE_DIR) / "docs" / "moving-in-example.csv"


def avatar_png() -> bytes:
    """A plain round avatar, so the Client Log shows a profile photo."""
    image = Image.new("RGB", (240, 240), (238, 242, 247))
    draw = ImageDraw.Draw(image)
    draw.ellipse((20, 20, 220, 220), fill=(121, 174, 200))
    draw.ellipse((80, 50, 160, 130), fill=(250, 236, 220))
    draw.pieslice((45, 130, 195, 290), 180, 360, fill=(250, 236, 220))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


class Command(BaseCommand):
    help = "Save README screenshots of the demo (run `make screenshots`, not on real data)."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8011)
        parser.add_argument("--out", default=str(settings.BASE_DIR / "docs" / "screenshots"))
        parser.add_argument("--chromium", default="/usr/bin/chromium")

    def handle(self, *args, port, out, chromium, **options):
        alice = Client.objects.filter(first_name="Alice").first()
        ticket = Ticket.objects.filter(client=alice, status=TicketStatus.OPEN).first()
        if alice is None or ticket is None:
            raise CommandError("Load the demo first: manage.py seed_demo (make screenshots does).")
        if not alice.files.exists():
            client_file_upload(
                client=alice,
                uploaded_file=SimpleUploadedFile("alice.png", avatar_png()),
                is_profile_photo=True,
            )
        out_dir = Path(out)
        out_dir.mkdir(parents=True, exist_ok=True)
        base = f"http://127.0.0.1:{port}"
        server = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
            cwd=settings.BASE_DIR,
            env={**os.environ, "DEBUG": "true"},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            self._wait_for(f"{base}/admin/login/")
            # Read before Playwright starts: the ORM refuses to run inside its event loop.
            emma = Ticket.objects.filter(
                client__email="emma.wilson@example.com", tips__isnull=False
            ).first()
            self._shoot(base, chromium, out_dir, alice, ticket, emma)
        finally:
            server.terminate()
            server.wait(timeout=10)
        self.stdout.write(self.style.SUCCESS(f"Screenshots saved in {out_dir}"))

    def _wait_for(self, url: str) -> None:
        for _ in range(100):
            try:
                with urllib.request.urlopen(url, timeout=2):
                    return
            except OSError:
                time.sleep(0.2)  # the server is starting: poll until it answers
        raise CommandError(f"The server did not answer at {url}.")

    def _shoot(self, base, chromium, out_dir, alice, ticket, emma) -> None:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
            page = browser.new_page(base_url=base, viewport={"width": 1280, "height": 900})
            page.goto("/admin/login/")
            page.fill("#id_username", DEMO_MANAGER[0])
            page.fill("#id_password", DEMO_MANAGER[1])
            page.click("input[type=submit]")
            page.wait_for_selector("#day-sheet")
            # Tomorrow's sheet: the demo books a full morning for three stylists there.
            page.set_viewport_size({"width": 1366, "height": 768})
            tomorrow = timezone.localdate() + timedelta(days=1)
            page.goto(f"/admin/?day={tomorrow.isoformat()}")
            page.screenshot(path=str(out_dir / "day-sheet.png"), full_page=True)

            # The checkout of Alice's open ticket with an item being picked and cash typed:
            # the line's total and the change due show before anything is saved.
            page.goto(f"/admin/frontdesk/tickets/{ticket.pk}/checkout/")
            page.select_option("#checkout-item", label="Blow-dry ($45.00)")
            page.wait_for_selector("#line-preview-net")
            page.select_option("#payment-method", "cash")
            due = Decimal(page.input_value("#payment-amount") or "0")
            page.fill("#payment-tendered", str((due // 50 + 1) * 50))  # the next $50 up
            page.wait_for_selector("#change-due")
            page.screenshot(path=str(out_dir / "checkout.png"))

            # Emma's visit (seed_demo), closed: what it earned, Print and Send receipt.
            if emma is not None:
                page.goto(f"/admin/frontdesk/tickets/{emma.pk}/checkout/")
                page.screenshot(path=str(out_dir / "checkout-closed.png"))
            page.set_viewport_size({"width": 1280, "height": 900})

            page.goto(f"/admin/frontdesk/clients/{alice.pk}/log/")
            page.locator("#content").screenshot(path=str(out_dir / "client-log.png"))

            # A page tall enough to hold the whole ticket: element boxes are then page
            # coordinates, and the clip runs from the lines down to Collect payment.
            page.set_viewport_size({"width": 1280, "height": 2600})
            page.goto(f"/admin/tickets/ticket/{ticket.pk}/change/")
            lines = page.locator("#lines-group").bounding_box()
            payment = page.locator("#collect-payment").bounding_box()
            page.screenshot(
                path=str(out_dir / "payment-redeem.png"),
                clip={
                    "x": lines["x"] - 10,
                    "y": lines["y"] - 10,
                    "width": max(lines["width"], payment["width"]) + 20,
                    "height": payment["y"] + payment["height"] - lines["y"] + 20,
                },
            )
            page.set_viewport_size({"width": 1280, "height": 900})

            page.goto("/admin/loyalty/earningrule/")
            page.locator("#content").screenshot(path=str(out_dir / "rewards-configuration.png"))

            page.goto("/admin/frontdesk/reports/loyalty/")
            page.locator("#content").screenshot(path=str(out_dir / "loyalty-report.png"))

            # Moving in (R82): the preview of docs/moving-in-example.csv, before confirming.
            page.goto("/admin/clients/client/import/")
            page.set_input_files("#id_import_file", str(MOVING_IN_EXAMPLE))
            page.click("input[type=submit][value=Submit]")
            page.wait_for_selector("table.import-preview")
            page.locator("#content").screenshot(path=str(out_dir / "moving-in-preview.png"))

            # Emma's visit: tax, a tip and cash change on the 80 mm receipt.
            if emma is not None:
                page.goto(f"/admin/frontdesk/tickets/{emma.pk}/receipt/")
                page.locator("#receipt").screenshot(path=str(out_dir / "receipt.png"))
            browser.close()
