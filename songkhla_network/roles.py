"""Who may do what. Roles are a field on the user; what a treasurer or collector may touch
beyond that is decided per object in each program area's access helpers."""

from functools import wraps

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

from .models import Role


class RoleBackend(ModelBackend):
    """Leaders hold every model permission, which opens the admin to them. Model admins of money
    rows still refuse changes and deletions whoever asks."""

    def has_perm(self, user_obj, perm, obj=None):
        if user_obj.is_active and getattr(user_obj, "role", None) == Role.LEADER:
            return True
        return super().has_perm(user_obj, perm, obj)

    def has_module_perms(self, user_obj, app_label):
        if user_obj.is_active and getattr(user_obj, "role", None) == Role.LEADER:
            return True
        return super().has_module_perms(user_obj, app_label)


def role_required(*roles):
    """Signed-in users holding one of the roles (leaders always do); others get 403,
    anonymous visitors the sign-in page."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not (user.is_leader or user.role in roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def context_processor(request):
    from .two_factor import is_pending

    user = getattr(request, "user", None)
    # A sign-in still waiting for its second factor's code is shown no menu: every page but the
    # code page would send it back there.
    return {"Role": Role, "user_role": getattr(user, "role", None), "second_factor_pending": is_pending(request)}
