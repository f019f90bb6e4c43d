"""Admin forms validated by the service that will save them, so a rule lives in one place
and a refused change shows as a form error (not a 500) with nothing saved."""

from django import forms
from django.core.exceptions import ValidationError
from django.db import transaction

from salon.errors import DomainError


def form_refusal_add(form: forms.BaseForm, error: DomainError | ValidationError) -> None:
    """Show a refusal on the form it came from, in plain English (R71): a DomainError's
    message on its field (or the whole form), a ValidationError's on theirs. The one place
    admin forms turn a service's refusal into form errors."""
    if isinstance(error, DomainError):
        form.add_error(error.field if error.field in form.fields else None, error.message)
    elif hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, error)


def refusal_text(error: DomainError | ValidationError) -> str:
    """A refusal as one line of plain English, for an admin message."""
    if isinstance(error, DomainError):
        return error.message
    return " ".join(error.messages)


class _DryRunFinished(Exception):
    """Raised to roll back a dry run once the service accepted the change."""


class ServiceModelForm(forms.ModelForm):
    """A ModelForm whose model-level checks are those of `run_service`, run as a dry run.

    Subclasses implement `run_service(cleaned_data)` by calling the service that the admin's
    `save_model` calls for real. The dry run happens inside a savepoint that is always rolled
    back. The model's own full_clean runs inside the service, so the form skips its own.
    """

    user = None  # the signed-in user; the ModelAdmin's get_form sets it per request

    def run_service(self, cleaned_data: dict):
        raise NotImplementedError

    def clean(self):
        cleaned_data = super().clean()
        if self.errors:
            return cleaned_data
        try:
            with transaction.atomic():
                self.run_service(cleaned_data)
                raise _DryRunFinished
        except _DryRunFinished:
            pass
        except (DomainError, ValidationError) as error:
            form_refusal_add(self, error)
        return cleaned_data

    def _post_clean(self):
        # The service validates the model (full_clean) in the dry run of clean().
        pass


class ServiceFormAdmin:
    """The ModelAdmin of a ServiceModelForm: the form knows who is signed in (the services
    record who did it), and a save runs the form's service for real, the one its clean()
    ran as a dry run, so the rules are written once for both."""

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change=change, **kwargs)
        form_class.user = request.user
        return form_class

    def save_model(self, request, obj, form, change):
        saved = form.run_service(form.cleaned_data)
        # The admin goes on with `obj` (messages, redirect): give it the saved row's state.
        vars(obj).update(vars(saved))
