"""Delivery of letters by e-mail: message building, calendar invitations, outbox and SMTP."""

from scrutiny.delivery.channels import Delivery, DeliveryReceipt, OutboxDelivery, SmtpDelivery
from scrutiny.delivery.invitation import build_meeting_invitation
from scrutiny.delivery.message import build_letter_email, message_id_for

__all__ = [
    "Delivery",
    "DeliveryReceipt",
    "OutboxDelivery",
    "SmtpDelivery",
    "build_letter_email",
    "build_meeting_invitation",
    "message_id_for",
]
