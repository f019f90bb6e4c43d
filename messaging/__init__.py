"""Text messages (R39): backends, the message log, the inbound webhook.

`outbox` is where the locmem backend puts every sent text, as `django.core.mail.outbox`
holds sent e-mail in tests (R40).
"""

outbox: list = []
