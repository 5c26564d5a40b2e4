"""The password policy: length and kinds of character, no reuse of the last five, a forced
change once the password is older than the maximum age; messages in Chinese."""

import datetime

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import TestCase, override_settings
from django.urls import reverse
from django.utils import timezone

from audit.models import PasswordHistory, SecurityEvent
from audit.passwords import ComplexityValidator, password_has_expired
from tests.factories import PASSWORD, MembershipFactory, VillageFactory

User = get_user_model()


def messages_for(password: str, user=None) -> list[str]:
    try:
        validate_password(password, user)
    except ValidationError as error:
        return error.messages
    return []


class ComplexityTests(TestCase):
    def test_eight_characters_of_three_kinds_pass(self):
        for password in ("Xq7vLm2p", "qz-8317vw", "KQWZ_plmt", "村委会Ab12xyz"):
            with self.subTest(password=password):
                self.assertEqual(messages_for(password), [])

    def test_short_or_simple_passwords_are_refused_in_chinese(self):
        self.assertIn("密码太短：至少需要 8 个字符。", messages_for("Ab1-x"))
        self.assertIn(
            "密码须至少包含小写字母、大写字母、数字、符号这四类字符中的 3 类。",
            messages_for("abcdefghij"),
        )
        self.assertTrue(messages_for("abcd1234"))  # two kinds only

    @override_settings(PASSWORD_MIN_LENGTH=12, PASSWORD_MIN_KINDS=4)
    def test_the_numbers_come_from_the_settings(self):
        validator = ComplexityValidator()
        with self.assertRaises(ValidationError):
            validator.validate("Abcdef12-xyz"[:11])
        with self.assertRaises(ValidationError):
            validator.validate("abcdefgh1234-")
        validator.validate("Abcdefgh1234-")


class HistoryTests(TestCase):
    def setUp(self):
        self.user = User.objects.create_user("cadre", password="Start-pass-0")

    def change(self, password: str) -> list[str]:
        problems = messages_for(password, self.user)
        if not problems:
            self.user.set_password(password)
            self.user.save()
        return problems

    def test_the_last_five_passwords_are_refused_and_the_sixth_back_is_allowed(self):
        for n in range(1, 6):
            self.assertEqual(self.change(f"New-pass-{n}"), [])
        # Now: New-pass-5 (current), 4, 3, 2, 1 are the last five; Start-pass-0 is older.
        for n in range(1, 6):
            self.assertIn(
                "这个密码最近用过：请换一个与最近 5 次都不同的密码。", self.change(f"New-pass-{n}")
            )
        self.assertEqual(self.change("Start-pass-0"), [])
        self.assertEqual(PasswordHistory.objects.filter(user=self.user).count(), 5)

    def test_a_user_made_before_the_history_cannot_set_the_same_password_again(self):
        PasswordHistory.objects.all().delete()
        self.assertTrue(self.change("Start-pass-0"))


class ExpiryTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.village = VillageFactory()
        cls.user = MembershipFactory(role="village_committee", village=cls.village).user

    def age_password(self, days: int) -> None:
        PasswordHistory.objects.create(
            user=self.user,
            password=self.user.password,
            created=timezone.now() - datetime.timedelta(days=days),
        )

    def test_an_expired_password_must_be_changed_before_anything_else(self):
        self.age_password(91)
        self.assertTrue(password_has_expired(self.user))
        self.client.post(reverse("login"), {"username": self.user.username, "password": PASSWORD})
        page = reverse("pledges:village_list", args=[self.village.code])
        response = self.client.get(page, follow=True)
        self.assertRedirects(response, reverse("password_change"))
        self.assertContains(response, "您的密码已使用超过 90 天，请设置新密码。")
        changed = self.client.post(
            reverse("password_change"),
            {
                "old_password": PASSWORD,
                "new_password1": "Fresh-pass-2027",
                "new_password2": "Fresh-pass-2027",
            },
        )
        self.assertRedirects(changed, reverse("password_change_done"))
        self.assertNotEqual(self.client.get(page).status_code, 302)
        self.assertTrue(SecurityEvent.objects.filter(kind="password_changed").exists())

    def test_a_recent_password_is_not_asked_again(self):
        self.age_password(89)
        self.assertFalse(password_has_expired(self.user))

    @override_settings(PASSWORD_MAX_AGE_DAYS=0)
    def test_zero_days_turns_the_expiry_off(self):
        self.age_password(1000)
        self.assertFalse(password_has_expired(self.user))

    def test_the_change_form_explains_the_policy_in_chinese(self):
        self.client.force_login(self.user)
        response = self.client.post(
            reverse("password_change"),
            {"old_password": PASSWORD, "new_password1": "short", "new_password2": "short"},
        )
        self.assertContains(response, "密码太短：至少需要 8 个字符。")
