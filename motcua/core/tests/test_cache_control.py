"""A signed-in user's pages and the API's answers to a token are not kept by the browser or a proxy (a counter PC
or a community team's shared tablet kept the dossiers it showed after sign-out); public pages are not affected."""

from motcua.core.models import ApiToken


def test_personal_answers_are_not_stored_and_public_ones_are_left_alone(client, django_user_model):
    user = django_user_model.objects.create_user("nguoidan", password="pw-123456-x")
    public = client.get("/thu-tuc/")
    assert public.status_code == 200 and "no-store" not in public.get("Cache-Control", "")
    assert "no-store" not in client.get("/api/v1/procedures").get("Cache-Control", "")
    client.force_login(user)
    mine = client.get("/ho-so-cua-toi/")
    assert mine.status_code == 200 and mine["Cache-Control"] == "private, no-store"
    assert client.get("/thu-tuc/")["Cache-Control"] == "private, no-store"  # it names the signed-in user
    token = ApiToken.issue(user)
    api = client.get("/api/v1/dossiers", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert api.status_code == 200 and api["Cache-Control"] == "private, no-store"
    refused = client.get("/api/v1/dossiers", HTTP_AUTHORIZATION="Bearer wrong")
    assert refused.status_code == 401 and refused["Cache-Control"] == "private, no-store"
