"""Tenant isolation in the session itself: a query cannot forget its tenant."""

from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import ORMExecuteState, Session, sessionmaker, with_loader_criteria

from .models import TenantScoped

TENANT = "tenant_id"  # the key in Session.info that holds the current tenant's id
ALL_TENANTS = "all_tenants"  # an execution option that lifts the filter, on purpose


class NoTenant(RuntimeError):
    """A query of tenant data ran in a session that names no tenant: a bug, never a
    reason to return every tenant's rows."""


def tenant_session(sessions: sessionmaker[Session], tenant_id: str) -> Session:
    return sessions(info={TENANT: tenant_id})


def scope_to_tenant(sessions: sessionmaker[Session]) -> None:
    """Install the two listeners on this app's sessionmaker only, not on every Session in
    the process: another app (or a test) with its own sessionmaker is unaffected."""

    @event.listens_for(sessions, "do_orm_execute")
    def add_tenant_criteria(state: ORMExecuteState) -> None:
        if not (state.is_select or state.is_update or state.is_delete):
            return
        # Lazy and column loads inherit the criteria from the query that loaded the object.
        if state.is_column_load or state.is_relationship_load:
            return
        if state.execution_options.get(ALL_TENANTS, False):
            return
        if not any(issubclass(m.class_, TenantScoped) for m in state.all_mappers):
            return  # no tenant data in this statement (the tenants table itself, say)
        tenant_id = state.session.info.get(TENANT)
        if tenant_id is None:
            raise NoTenant("no tenant in this session; pass all_tenants=True if you mean it")
        state.statement = state.statement.options(
            with_loader_criteria(
                TenantScoped,
                lambda cls: cls.tenant_id == tenant_id,  # a bound parameter, per query
                include_aliases=True,
            )
        )

    @event.listens_for(sessions, "before_flush")
    def stamp_new_rows(session: Session, flush_context: Any, instances: Any) -> None:
        tenant_id = session.info.get(TENANT)
        for row in session.new:
            if not isinstance(row, TenantScoped):
                continue
            if tenant_id is None:
                raise NoTenant(f"cannot insert {type(row).__name__} without a tenant")
            if row.tenant_id not in (None, tenant_id):
                raise NoTenant(f"{type(row).__name__} for tenant {row.tenant_id} in {tenant_id}")
            row.tenant_id = tenant_id
        for row in session.dirty:  # and no row moves to another tenant
            if isinstance(row, TenantScoped) and inspect(row).attrs.tenant_id.history.deleted:
                raise NoTenant(f"{type(row).__name__} cannot change tenant")
