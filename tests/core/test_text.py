"""The rule for free text people write for others to read: what cannot be seen is taken out."""

import pytest

from sora_social.core.text import strip_hidden_characters

RLO, PDF, LRI, PDI = "\u202e", "\u202c", "\u2066", "\u2069"
ZWSP, ZWJ, ZWNJ, BOM = "\u200b", "\u200d", "\u200c", "\ufeff"


@pytest.mark.parametrize(
    ("written", "shown"),
    [
        (f"{RLO}gnp.exe", "gnp.exe"),  # would read "exe.png"
        (f"photo{RLO}gnp{PDF}.exe", "photognp.exe"),
        (f"{LRI}alice{PDI}", "alice"),
        (f"ad{ZWSP}min", "admin"),
        (f"{BOM}hello\u2060world\u00ad", "helloworld"),
        ("right\u200fto\u200eleft\u061c", "righttoleft"),
        ("bell\x07 escape\x1b[31m next\x85line", "bell escape[31m nextline"),
        ("hidden\U000e0041\U000e0042 tags", "hidden tags"),
        (RLO + ZWSP + BOM, ""),
    ],
)
def test_characters_that_change_the_text_without_being_seen_are_taken_out(written, shown):
    assert strip_hidden_characters(written) == shown


@pytest.mark.parametrize(
    "text",
    [
        "plain text, with punctuation!",
        "two lines\nand a\ttab\r\n",
        f"family \U0001f468{ZWJ}\U0001f469{ZWJ}\U0001f467 and \u2764\ufe0f",  # emoji joined by ZWJ
        f"\u0645\u06cc{ZWNJ}\u062e\u0648\u0627\u0647\u0645",  # Persian needs the non-joiner
        "England \U0001f3f4\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f",  # a flag's tags
        "\u0600\u0661\u0662 \u05e9\u05dc\u05d5\u05dd \u0645\u0631\u062d\u0628\u0627",  # RTL words
    ],
)
def test_text_people_see_is_kept_as_written(text):
    assert strip_hidden_characters(text) == text


@pytest.mark.django_db
def test_a_profile_keeps_no_spoofing_characters(as_alice, alice):
    response = as_alice.patch(
        "/api/v1/me/", {"display_name": f"{RLO}gnp.exe", "bio": f"ad{ZWSP}min {LRI}ok{PDI}"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert (response.json()["display_name"], response.json()["bio"]) == ("gnp.exe", "admin ok")
    alice.refresh_from_db()
    assert (alice.display_name, alice.bio) == ("gnp.exe", "admin ok")
