"""The names the schema gives operations and path parameters, and the links between them
(R72), read from the set of all paths: what each path is — a collection, one object, an
action on an object or a singleton — decides its operation id (`close_ticket`,
`create_ticket_line`), its summary, its parameters' names (`{ticket_id}`, `{id}`) and the
links from a create to the reads of what it made. salon/api/schema.py's `postprocess`
applies them to drf-spectacular's schema.
"""

import re

API_PREFIX = "/api/v1/"
# Operations whose path says little about what they do: named here, once.
OPERATION_IDS = {
    ("post", "auth/token/"): "sign_in",
    ("post", "auth/logout/"): "sign_out",
    ("post", "auth/logout-all/"): "sign_out_everywhere",
    ("post", "signup/"): "sign_up",
    ("post", "signup/verify/"): "verify_sign_up",
}
HTTP_METHODS = ("get", "post", "put", "patch", "delete")


def segments_of(path: str) -> list[str]:
    return [segment for segment in path.removeprefix(API_PREFIX).split("/") if segment]


def _is_param(segment: str) -> bool:
    return segment.startswith("{")


def _singular(word: str) -> str:
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def _word(segment: str) -> str:
    return {"me": "my"}.get(segment, segment.replace("-", "_"))


class ApiPaths:
    """What each path is, from the set of all paths: a collection (a list to read or add
    to, or the parent of `{…}` objects), one object, an action on an object, or a singleton."""

    def __init__(self, paths: dict):
        self.paths = paths
        self.templates = {tuple(segments_of(path)) for path in paths}
        # Literal segments after an object that name a collection of its own, not an action
        # or a view of the object (`/clients/{id}/rewards/` is the client's box;
        # `…/entries/` a list).
        self.nested_collections = {
            segments[: i + 1]
            for segments in self.templates
            for i in range(1, len(segments))
            if any(_is_param(segment) for segment in segments[:i])
            and not _is_param(segments[i])
            and self.is_collection(segments[: i + 1])
        }

    def is_collection(self, segments: tuple) -> bool:
        if any(
            len(other) == len(segments) + 1 and other[:-1] == segments and _is_param(other[-1])
            for other in self.templates
        ):
            return True
        item = self.paths.get(API_PREFIX + "/".join(segments) + "/", {})
        listed = item.get("get", {}).get("responses", {}).get("200", {})
        schema = listed.get("content", {}).get("application/json", {}).get("schema", {})
        ref = schema.get("$ref", "")
        return schema.get("type") == "array" or ref.startswith("#/components/schemas/Paginated")

    def operation_id(self, method: str, path: str) -> str:
        segments = tuple(segments_of(path))
        if (method, "/".join(segments) + "/") in OPERATION_IDS:
            return OPERATION_IDS[(method, "/".join(segments) + "/")]
        literals = [segment for segment in segments if not _is_param(segment)]
        # The noun phrase: every owner before a `{…}` in the singular ("ticket line").
        nouns = [
            _word(_singular(segment) if _is_param((*segments, "")[i + 1]) else segment)
            for i, segment in enumerate(segments)
            if not _is_param(segment)
        ]
        if _is_param(segments[-1]):
            verb = {"get": "get", "patch": "update", "put": "replace", "delete": "delete"}[method]
            return f"{verb}_{'_'.join(nouns)}"
        if self.is_collection(segments):
            if method == "get":
                return f"list_{'_'.join(nouns)}"
            if method == "post":  # adds one
                nouns[-1] = _word(_singular(literals[-1]))
            verb = {"post": "create", "delete": "delete", "put": "replace", "patch": "update"}
            return f"{verb[method]}_{'_'.join(nouns)}"
        created = "201" in self.paths[path].get(method, {}).get("responses", {})
        if method == "post" and created and not _is_param(("", *segments)[-2]):
            nouns[-1] = _word(_singular(literals[-1]))
            return f"create_{'_'.join(nouns)}"
        if method == "post" and len(segments) > 1:
            # An action on what precedes it: POST /tickets/{id}/close/ → close_ticket.
            return f"{nouns[-1]}_{'_'.join(nouns[:-1])}"
        if nouns == ["my"]:
            nouns = ["me"]
        verb = {"get": "get", "patch": "update", "put": "replace", "post": "create"}
        return f"{verb.get(method, method)}_{'_'.join(nouns)}"

    def renamed(self, path: str) -> tuple[str, dict[str, str]]:
        """One rule for path parameter names: `{id}` is the object the path ends at or acts
        on; the owner of a nested collection is `{<owner>_id}`
        (`/tickets/{ticket_id}/lines/{id}/`). A parameter that is not a number (a rule's
        `{action}`) keeps its name. Returns the path and {old name: new name}."""
        if "{" not in path:
            return path, {}
        segments = segments_of(path)
        # The last `{…}` names the object unless a collection follows it.
        renames, last_param = {}, max(i for i, s in enumerate(segments) if _is_param(s))
        for i, segment in enumerate(segments):
            if not _is_param(segment):
                continue
            old = segment[1:-1]
            if old == "action":
                continue
            is_object = i == last_param and not self._followed_by_collection(segments, i)
            renames[old] = (
                "id" if is_object else f"{_singular(segments[i - 1]).replace('-', '_')}_id"
            )
        new_path = path
        for old, new in renames.items():
            new_path = new_path.replace("{" + old + "}", "{" + new + "}")
        return new_path, renames

    def _followed_by_collection(self, segments: list[str], index: int) -> bool:
        return any(
            tuple(segments[: index + 1 + n]) in self.nested_collections
            for n in range(1, len(segments) - index)
        )


def summary(operation_id: str) -> str:
    words = operation_id.replace("_", " ")
    words = re.sub(r"\bmy\b", "own", words)
    words = re.sub(r"^get\b", "read", words)
    return words[0].upper() + words[1:]


def links_for(create_path: str, paths: dict) -> dict:
    """Links from a create's 201 to every operation on the new object (`{id}` or
    `{<owner>_id}` that is it), so stateful fuzzing and readers chain the calls."""
    links = {}
    owner = _singular(segments_of(create_path)[-1]).replace("-", "_")
    for path, item in paths.items():
        if not path.startswith(create_path) or path == create_path:
            continue
        rest = path[len(create_path) :]
        match = re.match(r"\{(\w+)\}/", rest)
        if not match or match.group(1) not in ("id", f"{owner}_id"):
            continue
        for method, operation in item.items():
            if method not in HTTP_METHODS:
                continue
            name = "".join(part.title() for part in operation["operationId"].split("_"))
            parameters = {match.group(1): "$response.body#/id"}
            for name_in_both in re.findall(r"\{(\w+)\}", create_path):
                parameters[name_in_both] = f"$request.path.{name_in_both}"
            links[name] = {"operationId": operation["operationId"], "parameters": parameters}
    return links
