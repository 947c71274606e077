"""Who may do what. Roles are a field on the user; what a treasurer or collector may touch
beyond that is decided per object in each program area's access helpers."""

from collections.abc import Callable
from functools import wraps
from typing import Any, Concatenate, ParamSpec, TypeVar

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Model
from django.http import HttpRequest, HttpResponseBase

from . import sql
from .models import Role, User


class AuthenticatedRequest(HttpRequest):
    """The request of a view behind one of the decorators below: its user has signed in."""

    user: User


R = TypeVar("R", bound=HttpRequest)
P = ParamSpec("P")
# A view: the request first, then what the URL gave.
View = Callable[Concatenate[R, P], HttpResponseBase]


class RoleBackend(ModelBackend):
    """Leaders hold every model permission, which opens the admin to them. Model admins of money
    rows still refuse changes and deletions whoever asks."""

    def get_user(self, user_id: int) -> User | None:
        """The signed-in user of each request, read by a statement written out
        (songkhla_network.sql): every page reads it, and the ORM took longer than the database."""
        rows = sql.fetch(f"SELECT {sql.columns(User, 'u')} FROM {User._meta.db_table} u WHERE u.id = %s", [user_id])
        user = sql.instances(User, rows)[0] if rows else None
        return user if user is not None and self.user_can_authenticate(user) else None

    def has_perm(self, user_obj: User | AnonymousUser, perm: str, obj: Model | None = None) -> bool:
        if user_obj.is_active and getattr(user_obj, "role", None) == Role.LEADER:
            return True
        return super().has_perm(user_obj, perm, obj)

    def has_module_perms(self, user_obj: User | AnonymousUser, app_label: str) -> bool:
        if user_obj.is_active and getattr(user_obj, "role", None) == Role.LEADER:
            return True
        return super().has_module_perms(user_obj, app_label)


def role_required(*roles: Role) -> Callable[[View[R, P]], View[R, P]]:
    """Signed-in users holding one of the roles (leaders always do); others get 403,
    anonymous visitors the sign-in page."""

    def decorator(view: View[R, P]) -> View[R, P]:
        @wraps(view)
        def wrapped(request: R, *args: P.args, **kwargs: P.kwargs) -> HttpResponseBase:
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not (user.is_leader or user.role in roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


# Who may open a kind of page, besides leaders (who pass every check). What a treasurer or a
# collector then sees of it is decided per object by the area's access.py: a treasurer their own
# groups and their communities, a collector the communities their CODI letters name.
STAFF = (Role.STAFF,)  # staff read every area, never post
TREASURERS = (Role.TREASURER,)  # post savings, take orders and payments, add works
COLLECTORS = (Role.COLLECTOR,)  # collect rent and remit it
GROUP_READERS = (Role.TREASURER, Role.STAFF)  # savings groups and what happens in their communities
RENT_READERS = (Role.COLLECTOR, Role.STAFF)  # railway-land rent

# The decorators every view uses: one per role set.
leader_required = role_required()
staff_required = role_required(*STAFF)
treasurer_required = role_required(*TREASURERS)
collector_required = role_required(*COLLECTORS)
group_reader_required = role_required(*GROUP_READERS)
rent_reader_required = role_required(*RENT_READERS)


def context_processor(request: HttpRequest) -> dict[str, Any]:
    from .two_factor import is_pending

    user = getattr(request, "user", None)
    # A sign-in still waiting for its second factor's code is shown no menu: every page but the
    # code page would send it back there.
    return {"Role": Role, "user_role": getattr(user, "role", None), "second_factor_pending": is_pending(request)}
