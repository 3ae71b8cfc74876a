from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from .models import ApiToken, DealerGroup, Membership, Region, Store, User


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0


@admin.register(User)
class HuifangUserAdmin(UserAdmin):
    inlines = [MembershipInline]
    list_display = ("username", "display_name", "is_active", "on_leave", "is_superuser")
    fieldsets = (*UserAdmin.fieldsets, ("Huifang", {"fields": ("display_name", "on_leave")}))


@admin.register(Store)
class StoreAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "group", "region", "city")
    list_filter = ("group", "region")
    search_fields = ("code", "name")


admin.site.register(Region)
admin.site.register(DealerGroup)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "prefix", "created_at", "last_used_at", "revoked")
    readonly_fields = ("key_hash", "prefix", "created_at", "last_used_at")

    def has_add_permission(self, request):
        # A token is only shown once, when `manage.py create_api_token` makes it; an admin row would have no key.
        return False
