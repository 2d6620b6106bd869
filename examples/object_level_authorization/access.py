"""Authorization: may this user do this to this invoice? One dependency, every route."""

import logging
from enum import StrEnum
from typing import Annotated

from fastapi import Depends, HTTPException, Path, Request, status

from .auth import CurrentUser, Role, User
from .schemas import Invoice

log = logging.getLogger(__name__)


class Action(StrEnum):
    read = "read"
    update = "update"
    delete = "delete"


class Reach(StrEnum):
    own = "own"  # invoices the user owns
    any = "any"  # every invoice: the override that auditors and admins hold


# What each role may do, and to whose invoices. Anything not listed is refused.
PERMISSIONS: dict[Role, dict[Action, Reach]] = {
    Role.customer: {Action.read: Reach.own, Action.update: Reach.own},
    Role.auditor: {Action.read: Reach.any},
    Role.admin: {Action.read: Reach.any, Action.update: Reach.any, Action.delete: Reach.any},
}


def may(user: User, action: Action, invoice: Invoice) -> bool:
    reach = PERMISSIONS[user.role].get(action)
    return reach is Reach.any or (reach is Reach.own and invoice.owner_id == user.id)


class InvoiceAccess:
    """Load the invoice named in the path, if the current user may `action` it.

    Someone who may not even read the invoice gets the same 404 as for an invoice that
    does not exist; someone who may read it but not do this gets a 403.
    """

    def __init__(self, action: Action) -> None:
        self.action = action

    async def __call__(
        self, invoice_id: Annotated[int, Path(ge=1)], user: CurrentUser, request: Request
    ) -> Invoice:
        invoice: Invoice | None = request.app.state.invoices.get(invoice_id)
        if invoice is None or not may(user, Action.read, invoice):
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"Invoice {invoice_id} not found.")
        if not may(user, self.action, invoice):
            raise HTTPException(
                status.HTTP_403_FORBIDDEN, f"Role {user.role} may not {self.action} this invoice."
            )
        if invoice.owner_id != user.id:  # allowed by role, not by ownership: keep a trail
            log.info("%s %s invoice %s as %s", user.id, self.action, invoice.id, user.role)
        return invoice


ReadableInvoice = Annotated[Invoice, Depends(InvoiceAccess(Action.read))]
UpdatableInvoice = Annotated[Invoice, Depends(InvoiceAccess(Action.update))]
DeletableInvoice = Annotated[Invoice, Depends(InvoiceAccess(Action.delete))]
