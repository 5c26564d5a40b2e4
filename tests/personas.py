"""The people of a permission test, and the one loop that checks what each of them may open.

Build them once in `setUpTestData` with `cls.personas = Personas.around(cls.village)`; check a
page's statuses with `assert_matrix(self, self.personas, urls, MATRIX, order)`.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.contrib.auth.base_user import AbstractBaseUser
from django.test import TestCase
from django.urls import reverse

from tests.factories import MembershipFactory, TownshipFactory, UserFactory, VillageFactory
from villages.models import Membership, Township, Village

Role = Membership.Role
OK, DENIED = 200, 403
LOGIN = "login"  # an expected "status": redirected to log in, and back to the page after
# The usual columns of a matrix: the village's own people, then the same roles one place over.
WITH_A_ROLE = ("committee", "reviewer", "cadre", "district_admin", "other_committee", "other_cadre")


@dataclass(frozen=True)
class Personas:
    """Who is who around one village: its committee and reviewer, the cadre of its township and
    the administrator of its district; the same kind of people one place over (the committee of
    another village, the cadre of another township); a user without a role; and anonymous."""

    committee: AbstractBaseUser
    reviewer: AbstractBaseUser
    cadre: AbstractBaseUser
    district_admin: AbstractBaseUser
    other_committee: AbstractBaseUser
    other_cadre: AbstractBaseUser
    nobody: AbstractBaseUser
    anonymous: None = None

    @classmethod
    def around(
        cls,
        village: Village,
        *,
        other_village: Village | None = None,
        other_township: Township | None = None,
    ) -> "Personas":
        """The cast of `village`. `other_committee` sits in `other_village` and `other_cadre`
        in `other_township`; by default both are new, in another township of the district."""
        township = village.township
        if other_township is None:
            other_township = (
                other_village.township
                if other_village
                else TownshipFactory(district=township.district)
            )
        if other_township == township:
            raise ValueError("other_cadre needs a township other than the village's own")
        if other_village is None:
            other_village = VillageFactory(township=other_township)
        return cls(
            committee=_member(Role.VILLAGE_COMMITTEE, village=village),
            reviewer=_member(Role.REVIEWER, village=village),
            cadre=_member(Role.TOWNSHIP_CADRE, township=township),
            district_admin=_member(Role.DISTRICT_ADMIN, district=township.district),
            other_committee=_member(Role.VILLAGE_COMMITTEE, village=other_village),
            other_cadre=_member(Role.TOWNSHIP_CADRE, township=other_township),
            nobody=UserFactory(),
        )

    def __getitem__(self, name: str) -> AbstractBaseUser | None:
        return getattr(self, name)


def _member(role: str, **place) -> AbstractBaseUser:
    return MembershipFactory(role=role, **place).user


def assert_matrix(
    test: TestCase,
    personas: Personas,
    urls: Mapping[str, str | tuple[str, dict]],
    expected: Mapping[str, Sequence[int | str]] | int | str,
    order: Sequence[str],
    *,
    method: str = "get",
) -> None:
    """As each persona of `order` in turn, request every page of `urls` and check the status:
    `expected[page]` holds one per persona, in `order`; a single status stands for every page
    and persona. A page is a url, or `(url, data)` to post a body; LOGIN expects the redirect
    to the login page. Each check is a subtest named by persona, page and url."""
    if isinstance(expected, Mapping):
        test.assertEqual(set(expected), set(urls), "the matrix and the urls name other pages")
        for page, statuses in expected.items():
            test.assertEqual(len(statuses), len(order), f"{page}: one status per persona")
    for column, persona in enumerate(order):
        if personas[persona] is None:
            test.client.logout()
        else:
            test.client.force_login(personas[persona])
        for page, target in urls.items():
            url, data = target if isinstance(target, tuple) else (target, None)
            status = expected[page][column] if isinstance(expected, Mapping) else expected
            with test.subTest(persona=persona, page=page, url=url):
                response = getattr(test.client, method)(url, data)
                if status == LOGIN:
                    login = f"{reverse('login')}?next={url}"
                    test.assertRedirects(response, login, fetch_redirect_response=False)
                else:
                    test.assertEqual(response.status_code, status)
