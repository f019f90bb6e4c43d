"""The project's own apps, listed once (#12): the project package, then the domain apps in
the order settings install them. Settings install them, the API mounts each one's
`api/urls.py`, the Manager role holds their permissions, and the tests read them from here
(the architecture test, which also says which app may import which; the admin
authorization map; pyproject's package lists, which TOML can't import)."""

PROJECT_PACKAGE = "salon"
DOMAIN_APPS = (
    "accounts",
    "clients",
    "catalog",
    "messaging",
    "staff",
    "appointments",
    "tickets",
    "feedback",
    "loyalty",
    "frontdesk",
)
PROJECT_APPS = (PROJECT_PACKAGE, *DOMAIN_APPS)
