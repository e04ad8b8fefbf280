import pytest
from django.test import Client

from sora_social.accounts.models import AuthToken, User
from sora_social.accounts.services import auth_token_create, block_create, follow_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_browser():
    admin = User.objects.create_superuser("site_admin", "root@example.com", "a-long-admin-password")
    browser = Client()
    browser.force_login(admin)
    return browser


def test_admin_lists_users_and_the_graph(staff_browser, alice, bob):
    follow_create(follower=alice, followee=bob)
    block_create(blocker=bob, blocked=alice)
    auth_token_create(user=alice)
    for model in ("user", "follow", "block", "authtoken"):
        response = staff_browser.get(f"/admin/accounts/{model}/")
        assert response.status_code == 200, model
    assert b"alice" in staff_browser.get("/admin/accounts/user/?q=ali").content


def test_admin_revokes_tokens(staff_browser, alice):
    token, _ = auth_token_create(user=alice)
    response = staff_browser.post(
        "/admin/accounts/authtoken/", {"action": "revoke_tokens", "_selected_action": [str(token.pk)]}
    )
    assert response.status_code == 302
    assert not AuthToken.objects.filter(pk=token.pk).exists()


def test_admin_is_closed_to_ordinary_users(alice):
    browser = Client()
    browser.force_login(alice)
    assert browser.get("/admin/accounts/user/").status_code == 302
