"""The public forms' limits fit shared addresses: a village office or a mobile network puts
many residents behind one address, so the address gets a high limit and each browser and
each phone number a tight one; only what is stored counts; a refused post is shown again with
what was typed and when to send it. The receipt-code look-up works the same way."""

from django.core.cache import cache
from django.test import Client, TestCase, override_settings
from django.urls import reverse

from suggestions.models import Suggestion
from tests.factories import VillageFactory

from .test_suggestions import public_post

OFFICE = "10.20.30.40"  # the village office's one address


def token(n: int) -> str:
    return f"{n:032d}"


class SuggestionLimitTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.village = VillageFactory(name="龙江村")
        cls.url = reverse("suggestions:suggest", args=[cls.village.code])

    def setUp(self):
        cache.clear()  # the limits count in the cache

    def send(self, browser: Client, n: int, address: str = OFFICE, **fields):
        fields.setdefault("phone", f"1390000{n:04d}")
        return browser.post(self.url, public_post(token=token(n), **fields), REMOTE_ADDR=address)

    def test_the_sixth_resident_behind_one_address_is_heard(self):
        for n in range(6):
            resident = Client()  # each with their own phone, all on the office's network
            resident.get(self.url, REMOTE_ADDR=OFFICE)
            with self.subTest(resident=n + 1):
                self.assertEqual(self.send(resident, n).status_code, 302)
        self.assertEqual(Suggestion.objects.count(), 6)

    @override_settings(SUGGESTION_BROWSER_RATE="2/h")
    def test_one_browser_is_limited_wherever_it_sends_from(self):
        self.assertEqual(self.send(self.client, 1, address="10.0.0.1").status_code, 302)
        self.assertEqual(self.send(self.client, 2, address="10.0.0.2").status_code, 302)
        refused = self.send(self.client, 3, address="10.0.0.3")
        self.assertContains(refused, "这台手机或电脑在短时间内已多次提交此表单", status_code=429)
        # Someone else at that address is heard.
        self.assertEqual(self.send(Client(), 4, address="10.0.0.3").status_code, 302)
        self.assertEqual(Suggestion.objects.count(), 3)

    @override_settings(SUGGESTION_BROWSER_RATE="2/h", SUGGESTION_ADDRESS_RATE="2/h")
    def test_posts_with_mistakes_do_not_count(self):
        for n in range(6):
            with self.subTest(mistake=n + 1):
                self.assertEqual(self.send(self.client, n, text="").status_code, 400)
        self.assertEqual(self.send(self.client, 10).status_code, 302)
        self.assertEqual(self.send(self.client, 11).status_code, 302)
        self.assertEqual(self.send(self.client, 12).status_code, 429)

    @override_settings(SUGGESTION_BROWSER_RATE="1/h")
    def test_a_refused_post_keeps_what_was_typed_and_says_when_to_send_it(self):
        self.assertEqual(self.send(self.client, 1).status_code, 302)
        text = "村委会门口的垃圾桶太少了，希望再增加几个"
        refused = self.send(self.client, 2, text=text, name="李阿姨", phone="13912345678")
        self.assertContains(refused, text, status_code=429)
        self.assertContains(refused, 'value="李阿姨"', status_code=429)
        self.assertContains(refused, 'value="13912345678"', status_code=429)
        self.assertContains(refused, "您填写的内容已保留在下方，请在", status_code=429)
        self.assertContains(refused, "分钟后", status_code=429)
        self.assertGreater(int(refused["Retry-After"]), 0)
        self.assertEqual(Suggestion.objects.count(), 1)
        # The one-time token stays too: sent again later, it is stored once.
        self.assertContains(refused, token(2), status_code=429)

    @override_settings(SUGGESTION_ADDRESS_RATE="3/h")
    def test_an_address_has_its_own_higher_limit(self):
        for n in range(3):
            self.assertEqual(self.send(Client(), n).status_code, 302)
        refused = self.send(Client(), 3)
        self.assertContains(refused, "短时间内从此网络提交此表单的次数过多", status_code=429)
        self.assertEqual(self.send(Client(), 4, address="10.9.9.9").status_code, 302)

    @override_settings(SUGGESTION_CONTACT_RATE="1/d")
    def test_one_phone_number_is_limited_across_browsers(self):
        self.assertEqual(self.send(Client(), 1, phone="13800001234").status_code, 302)
        refused = self.send(Client(), 2, phone="138 0000 1234")
        self.assertContains(refused, "用此电话号码或电子邮箱", status_code=429)
        self.assertEqual(self.send(Client(), 3, phone="13800005678").status_code, 302)

    def test_a_resent_post_counts_once(self):
        with override_settings(SUGGESTION_BROWSER_RATE="2/h"):
            for _ in range(3):  # a double tap, then the network resends it
                self.assertEqual(self.send(self.client, 1).status_code, 302)
            self.assertEqual(self.send(self.client, 2).status_code, 302)
        self.assertEqual(Suggestion.objects.count(), 2)

    def test_the_browser_cookie_is_signed_and_hidden_from_scripts(self):
        cookie = self.client.get(self.url).cookies["browser"]
        self.assertTrue(cookie["httponly"])
        self.assertEqual(cookie["samesite"], "Lax")
        self.assertIn(":", cookie.value)  # value:signature
        # Kept, not renewed, on the next visit.
        self.assertNotIn("browser", self.client.get(self.url).cookies)


class TrackTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.suggestion = Suggestion.objects.create(
            village=VillageFactory(), year=2026, text="修一条灌溉水渠"
        )
        cls.url = reverse("suggestions:track")

    def setUp(self):
        cache.clear()

    def test_a_mistyped_code_is_said_on_the_form_with_the_code_kept(self):
        response = self.client.get(self.url, {"code": "abcd 2345"})
        self.assertContains(response, "没有这个回执码的意见建议，请核对回执上的回执码")
        self.assertContains(response, 'value="abcd 2345"')

    def test_a_right_code_goes_to_the_suggestion(self):
        response = self.client.get(self.url, {"code": self.suggestion.receipt_code.lower()})
        self.assertRedirects(
            response, reverse("suggestions:track_detail", args=[self.suggestion.receipt_code])
        )

    @override_settings(TRACK_BROWSER_RATE="2/h")
    def test_look_ups_are_limited_per_browser_and_malformed_codes_do_not_count(self):
        for _ in range(3):
            self.assertContains(self.client.get(self.url, {"code": "12"}), "ABCD-2345")
        for code in ("ABCD-2345", "ABCD-2346"):
            self.assertEqual(self.client.get(self.url, {"code": code}).status_code, 200)
        refused = self.client.get(self.url, {"code": "ABCD-2347"})
        self.assertContains(refused, "请在", status_code=429)
        self.assertContains(refused, 'value="ABCD-2347"', status_code=429)
        self.assertEqual(Client().get(self.url, {"code": "ABCD-2347"}).status_code, 200)
