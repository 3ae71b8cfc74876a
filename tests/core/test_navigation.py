import pytest
from django.urls import reverse

from huifang.accounts.choices import Role
from huifang.navigation import MENU

from ..factories import member

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", [r.value for r in Role])
def test_the_menu_offers_exactly_the_screens_the_role_may_open(client, store, role):
    # given a user with one role in the store
    client.force_login(member(store, role))
    html = client.get(reverse("home"), follow=True).content.decode()
    for item in MENU:
        url = reverse(item.url_name)
        # when they open each screen
        response = client.get(url)
        # then the menu shows the link exactly when the screen lets them in (a page or its redirect)
        opens = response.status_code == 200 or (
            response.status_code == 302 and not response["Location"].startswith("/login/")
        )
        assert (f'href="{url}"' in html) == opens, (role, item.url_name, response.status_code)
