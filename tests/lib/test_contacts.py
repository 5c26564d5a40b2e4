"""Phone numbers as a Chinese input method types them (full-width digits, ＋, －, the
ideographic space) are the same numbers on every form, as they are in the Excel import."""

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.test import SimpleTestCase, TestCase
from django.urls import reverse

from lib.contacts import PhoneField, normalise_phone, parse_contact
from residents.models import Follow
from reviews.forms import InvitationsForm
from reviews.models import Invitation
from suggestions.forms import SuggestionEntryForm
from suggestions.models import Suggestion
from tests.residents.world import build
from tests.suggestions.test_suggestions import public_post

FULL_WIDTH = "１３８１２３４５６７８"
TYPED = "＋８６　１３８－１２３４－５６７８"  # ＋86, an ideographic space, full-width hyphens


class ParsingTests(SimpleTestCase):
    def test_full_width_mobile_numbers_are_mobile_numbers(self):
        for typed in (FULL_WIDTH, TYPED, "+86 138—1234—5678", "0086 13812345678"):
            with self.subTest(typed=typed):
                self.assertEqual(parse_contact(typed), ("sms", "13812345678"))

    def test_e_mail_addresses_keep_their_hyphens_and_are_lower_cased(self):
        self.assertEqual(parse_contact("Li-Ming@163.com"), ("email", "li-ming@163.com"))
        self.assertEqual(parse_contact("liming＠163.com"), ("email", "liming@163.com"))

    def test_neither_a_mobile_nor_an_address_is_refused(self):
        for typed in ("１２３４５", "１３８１２３４５６７８９", "call me"):
            with self.subTest(typed=typed), self.assertRaises(ValidationError):
                parse_contact(typed)

    def test_a_phone_field_keeps_the_digits_and_a_leading_plus(self):
        field = PhoneField(required=False, max_length=20)
        self.assertEqual(field.clean("０８７１－６３１２３４５６"), "087163123456")
        self.assertEqual(field.clean(TYPED), "+8613812345678")
        self.assertEqual(normalise_phone(" (0871) 6312 3456 "), "087163123456")
        with self.assertRaisesMessage(ValidationError, "电话号码"):
            field.clean("call me")


class FormTests(TestCase):
    def setUp(self):
        build(self)
        cache.clear()  # the rate limits count in the cache

    def test_a_resident_follows_with_a_full_width_number(self):
        url = reverse("residents:follow_village", args=[self.village.code])
        response = self.client.post(url, {"contact": TYPED})
        self.assertEqual(response.status_code, 200)
        self.assertEqual(Follow.objects.get().address, "13812345678")

    def test_a_suggestion_with_a_full_width_phone_is_stored_half_width(self):
        url = reverse("suggestions:suggest", args=[self.village.code])
        with self.captureOnCommitCallbacks(execute=True):  # the follow is made on commit
            response = self.client.post(
                url, public_post(phone="１３８ ０００１ ２３４５", notify=TYPED)
            )
        self.assertEqual(response.status_code, 302)
        suggestion = Suggestion.objects.get()
        self.assertEqual(suggestion.phone, "13800012345")
        self.assertEqual(Follow.objects.get(suggestion=suggestion).address, "13812345678")

    def test_a_suggestion_received_by_phone_stores_the_number_half_width(self):
        form = SuggestionEntryForm(
            {
                "channel": Suggestion.Channel.PHONE,
                "received": "2025-06-01",
                "text": "村里的路灯坏了三盏",
                "category": "other",
                "name": "王大爷",
                "phone": "０８７１－６３１２３４５６",
            }
        )
        self.assertTrue(form.is_valid(), form.errors)
        self.assertEqual(form.cleaned_data["phone"], "087163123456")

    def test_reviewers_typed_with_full_width_numbers_are_stored_half_width(self):
        form = InvitationsForm(
            {
                "kind": Invitation.Kind.choices[0][0],
                "people": f"张三　{FULL_WIDTH}\n李四，{TYPED}\n王五",
            }
        )
        self.assertTrue(form.is_valid(), form.errors)
        self.assertEqual(
            form.cleaned_data["people"],
            [("张三", "13812345678"), ("李四", "+8613812345678"), ("王五", "")],
        )
