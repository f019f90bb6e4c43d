"""The refusals of the clients app, one class per broken rule (R71; salon/errors.py)."""

from clients.models import REFERRED_BY_LOCKED_MESSAGE
from salon.errors import DomainError


class PhoneTaken(DomainError):
    code = "phone_taken"
    message = "Another client already has this phone number."


class BlankName(DomainError):
    code = "blank"
    message = "This field may not be blank."


class BirthdayInFuture(DomainError):
    code = "birthday_in_future"
    message = "A birthday can't be in the future."


class SelfReferral(DomainError):
    code = "self_referral"
    message = "A client can't refer themselves."


class ReferrerMerged(DomainError):
    code = "referrer_merged"
    message = "This client was merged into another and can't be a referrer."


class ReferralCycle(DomainError):
    code = "referral_cycle"
    message = (
        "This referral would make a cycle: the chosen referrer was referred, directly "
        "or through others, by this client."
    )


class UnknownReferralCode(DomainError):
    code = "unknown_referral_code"
    message = "Unknown referral code."


class ReferrerAndCode(DomainError):
    code = "referrer_and_code"
    message = "Give either a referrer or a referral code, not both."


class ClientMerged(DomainError):
    """A merged client (a tombstone) is never acted on: edits, uploads, bookings and tickets
    go to the survivor (R17)."""

    code = "client_merged"
    message = "This client was merged into another client; use the surviving client."


class ReferredByLocked(DomainError):
    code = "referred_by_locked"
    message = REFERRED_BY_LOCKED_MESSAGE


class UploadsOff(DomainError):
    code = "uploads_off"
    message = (
        "Client uploads are switched off: they need the Client Connect premium feature "
        "“Profile photos”, which a Manager can switch on (with all three base features)."
    )


class ImageTooLarge(DomainError):
    code = "image_too_many_pixels"
    message = "This image has too many pixels to be processed safely."


class FileTypeRefused(DomainError):
    code = "file_type_refused"
    message = (
        "Only images (JPEG, PNG, GIF, WebP) and PDF documents can be uploaded; "
        "this file is none of them (or is damaged)."
    )


class TooManyFiles(DomainError):
    code = "too_many_files"
    message = "This client has as many files as allowed. Delete one before uploading another."


class EmptyFile(DomainError):
    code = "empty_file"
    message = "The uploaded file is empty."


class FileTooLarge(DomainError):
    code = "file_too_large"
    message = "The file is too large."


class ProfilePhotoNotImage(DomainError):
    code = "profile_photo_not_image"
    message = "Only an image can be the profile photo."


class MergeIntoItself(DomainError):
    code = "merge_into_itself"
    message = "A client can't be merged into itself."


class SurvivorMerged(DomainError):
    code = "survivor_merged"
    message = "A client can't be merged into a client that was itself merged."


class DuplicateMerged(DomainError):
    code = "duplicate_merged"
    message = "This client was already merged into another."
