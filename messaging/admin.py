from django.contrib import admin

from messaging.models import Direction, Message, OptOut
from salon.admin_pages import ReadOnlyAdmin
from salon.formats import phone_display

# What each kind of text is for, by its purpose key's prefix (the apps that send them write
# "<kind>:<id>"): the desk reads these words, never the key.
PURPOSES = {
    "confirmation": "Appointment confirmation request",
    "reply": "Automatic reply",
    "signup-code": "Sign-up code",
}


@admin.register(Message)
class MessageAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    """The text log (R39) is read-only: texts are only written by the services."""

    list_display = ("created_at", "client", "text", "number", "direction", "status", "sent_for")
    list_filter = ("direction", "status")
    search_fields = ("to_number", "from_number", "purpose", "body")
    list_select_related = ("client",)
    date_hierarchy = "created_at"
    show_full_result_count = False

    @admin.display(description="Text")
    def text(self, message: Message) -> str:
        return message.body if len(message.body) <= 90 else f"{message.body[:89]}…"

    @admin.display(description="Phone")
    def number(self, message: Message) -> str:
        inbound = message.direction == Direction.INBOUND
        return phone_display(message.from_number if inbound else message.to_number)

    @admin.display(description="Sent for")
    def sent_for(self, message: Message) -> str:
        if not message.purpose:
            return "Reply from the client" if message.direction == Direction.INBOUND else ""
        return PURPOSES.get(message.purpose.split(":", 1)[0], "Other")

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]


@admin.register(OptOut)
class OptOutAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ("phone_number", "created_at")
    search_fields = ("phone",)
    readonly_fields = ("phone", "created_at")

    @admin.display(description="Phone", ordering="phone")
    def phone_number(self, opt_out: OptOut) -> str:
        return phone_display(opt_out.phone)

    # A number joins the list only by texting STOP and leaves it only by texting START:
    # its owner's own word, which staff can't override (SPEC §1).
