"""The administrative tree (city → district → township → village) and who may act where."""

from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Length
from django.urls import reverse
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from pypinyin import lazy_pinyin


def _code_validator(digits: int) -> RegexValidator:
    return RegexValidator(
        rf"^\d{{{digits}}}$",
        format_lazy(
            _("Enter the {digits}-digit statistical division code (digits only)."), digits=digits
        ),
    )


def _code_length_constraint(model: str, digits: int) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=models.Q(code__length=digits), name=f"{model}_code_has_{digits}_digits"
    )


models.CharField.register_lookup(Length)


class City(models.Model):
    """A prefecture-level city (市) or autonomous prefecture (州), identified by its 4-digit
    division code: the level that compares its districts (亮晒评)."""

    code = models.CharField(
        _("division code"), max_length=4, unique=True, validators=[_code_validator(4)]
    )
    name = models.CharField(_("name"), max_length=50)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("city")
        verbose_name_plural = _("cities")
        constraints = [_code_length_constraint("city", 4)]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("board:board_place", args=[self.code])


class District(models.Model):
    """A county-level district (区/县/县级市), identified by its 6-digit division code, which
    starts with its city's."""

    city = models.ForeignKey(City, models.PROTECT, related_name="districts", verbose_name=_("city"))
    code = models.CharField(
        _("division code"), max_length=6, unique=True, validators=[_code_validator(6)]
    )
    name = models.CharField(_("name"), max_length=50)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("district")
        verbose_name_plural = _("districts")
        constraints = [_code_length_constraint("district", 6)]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("villages:district_detail", args=[self.code])

    def clean(self) -> None:
        if self.city_id and self.code and not self.code.startswith(self.city.code):
            raise ValidationError(
                {
                    "code": _("A district code starts with its city's code %(code)s.")
                    % {"code": self.city.code}
                }
            )


class Contact(models.Model):
    """The address notices to a township or village go to by e-mail (group robots are set
    in the notices app)."""

    email = models.EmailField(_("e-mail"), blank=True)

    class Meta:
        abstract = True


class TownshipQuerySet(models.QuerySet):
    def with_village_count(self):
        return self.annotate(village_count=models.Count("villages"))


class Township(Contact):
    """A township (镇) or sub-district (街道), identified by its 9-digit division code."""

    district = models.ForeignKey(
        District, models.PROTECT, related_name="townships", verbose_name=_("district")
    )
    code = models.CharField(
        _("division code"), max_length=9, unique=True, validators=[_code_validator(9)]
    )
    name = models.CharField(_("name"), max_length=50)
    created = models.DateTimeField(auto_now_add=True)

    objects = TownshipQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("township")
        verbose_name_plural = _("townships")
        constraints = [_code_length_constraint("township", 9)]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("villages:township_detail", args=[self.code])

    def clean(self) -> None:
        if self.district_id and self.code and not self.code.startswith(self.district.code):
            raise ValidationError(
                {
                    "code": _("A township code starts with its district's code %(code)s.")
                    % {"code": self.district.code}
                }
            )


def name_to_pinyin(name: str) -> str:
    return "".join(lazy_pinyin(name)).lower()


class VillageQuerySet(models.QuerySet):
    def with_tree(self):
        """Villages with their township and district loaded, for pages that show the path."""
        return self.select_related("township__district")

    def in_district(self, district):
        return self.filter(township__district=district)

    def search(self, text: str):
        """By name, by pinyin ("longjiang" finds 龙江村) or by division code."""
        text = text.strip()
        if not text:
            return self.none()
        query = models.Q(name__contains=text)
        if text.isdigit():
            query |= models.Q(code__startswith=text)
        spelled = "".join(text.lower().split())
        if spelled.isascii() and spelled.isalpha():
            query |= models.Q(pinyin__startswith=spelled)
        return self.filter(query)

    def in_scope_of(self, user, *, reviewers: bool = True):
        """The villages where `user` holds a role (with `reviewers=False`, not those they only
        review), so an export's query holds nothing else. No query of its own: the scope is
        the request's (`MembershipQuerySet.scope_for`)."""
        scope = Membership.objects.scope_for(user)
        return self.filter(scope.village_q("", reviewers=reviewers))


class Village(Contact):
    """A village (村) or urban community (社区), identified by its 12-digit division code."""

    class Kind(models.TextChoices):
        VILLAGE = "village", _("village")
        COMMUNITY = "community", _("community")

    township = models.ForeignKey(
        Township, models.PROTECT, related_name="villages", verbose_name=_("township")
    )
    code = models.CharField(
        _("division code"), max_length=12, unique=True, validators=[_code_validator(12)]
    )
    name = models.CharField(_("name"), max_length=50)
    # For search ("longjiang" finds 龙江村). Filled from the name by pypinyin, which misreads
    # some place names (长寿, 曾家): an administrator may correct it.
    pinyin = models.CharField(
        _("pinyin"),
        max_length=200,
        blank=True,
        db_index=True,
        help_text=_("Lower case, no spaces, e.g. longjiangcun."),
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind, default=Kind.VILLAGE)
    created = models.DateTimeField(auto_now_add=True)

    objects = VillageQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("village")
        verbose_name_plural = _("villages")
        constraints = [_code_length_constraint("village", 12)]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("villages:village_detail", args=[self.code])

    def clean(self) -> None:
        if self.township_id and self.code and not self.code.startswith(self.township.code):
            raise ValidationError(
                {
                    "code": _("A village code starts with its township's code %(code)s.")
                    % {"code": self.township.code}
                }
            )


@dataclass(frozen=True)
class Scope:
    """The places a user may act in, by role: loaded once per request (see `for_user`)."""

    district_ids: frozenset = field(default_factory=frozenset)
    township_ids: frozenset = field(default_factory=frozenset)
    committee_village_ids: frozenset = field(default_factory=frozenset)
    reviewer_village_ids: frozenset = field(default_factory=frozenset)
    # A city administrator reads (never writes) in every district of the city: kept apart
    # from `district_ids`, which the district administrator's writes are checked against.
    city_ids: frozenset = field(default_factory=frozenset)
    city_district_ids: frozenset = field(default_factory=frozenset)

    @property
    def is_empty(self) -> bool:
        return not (
            self.city_ids
            or self.district_ids
            or self.township_ids
            or self.committee_village_ids
            or self.reviewer_village_ids
        )

    def village_q(self, village: str, *, reviewers: bool = True) -> models.Q:
        """Rows whose village (the lookup path `village`, e.g. "pledge_list__village", or ""
        for villages themselves) lies in this scope; `reviewers=False` leaves out the villages
        the user only reviews."""
        villages = self.committee_village_ids | (self.reviewer_village_ids if reviewers else set())
        path = f"{village}__" if village else ""
        districts = self.district_ids | self.city_district_ids
        return (
            models.Q(**{f"{path}township__district__in": districts})
            | models.Q(**{f"{path}township__in": self.township_ids})
            | models.Q(**{f"{village or 'pk'}__in": villages})
        )


def visible_in_scope(queryset, user, village: str, *, reviewers: bool = True):
    """`queryset` cut to the rows whose non-public parts `user` may read: a site administrator
    all, a member of a place the rows of that place, anyone else none. Uses the scope the
    request has already loaded (`MembershipQuerySet.scope_for`), so it adds no query."""
    if not user.is_authenticated:
        return queryset.none()
    if user.is_superuser:
        return queryset
    scope = Membership.objects.scope_for(user)
    if scope.is_empty:
        return queryset.none()
    return queryset.filter(scope.village_q(village, reviewers=reviewers))


class MembershipQuerySet(models.QuerySet):
    def with_places(self):
        return self.select_related("city", "district", "township__district", "village__township")

    def scope_for(self, user) -> Scope:
        """The user's scope, cached on the user object so a request asks the database once."""
        if not user.is_authenticated:
            return Scope()
        cached = getattr(user, "_pledge_scope", None)
        if cached is not None:
            return cached
        ids = {role: set() for role in Membership.Role.values}
        city_district_ids = set()
        # A city's districts come with its row (one row per district): still one query.
        rows = self.filter(user=user).values_list(
            "role", "city_id", "district_id", "township_id", "village_id", "city__districts"
        )
        for role, city_id, district_id, township_id, village_id, city_district in rows:
            ids[role].add(city_id or district_id or township_id or village_id)
            if city_district is not None:
                city_district_ids.add(city_district)
        scope = Scope(
            city_ids=frozenset(ids[Membership.Role.CITY_ADMIN]),
            city_district_ids=frozenset(city_district_ids),
            district_ids=frozenset(ids[Membership.Role.DISTRICT_ADMIN]),
            township_ids=frozenset(ids[Membership.Role.TOWNSHIP_CADRE]),
            committee_village_ids=frozenset(ids[Membership.Role.VILLAGE_COMMITTEE]),
            reviewer_village_ids=frozenset(ids[Membership.Role.REVIEWER]),
        )
        user._pledge_scope = scope
        return scope


class Membership(models.Model):
    """One role of one user in one place. A user may hold several memberships."""

    class Role(models.TextChoices):
        CITY_ADMIN = "city_admin", _("city administrator")
        DISTRICT_ADMIN = "district_admin", _("district administrator")
        TOWNSHIP_CADRE = "township_cadre", _("township cadre")
        VILLAGE_COMMITTEE = "village_committee", _("village committee member")
        REVIEWER = "reviewer", _("reviewer")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="memberships", verbose_name=_("user")
    )
    role = models.CharField(_("role"), max_length=20, choices=Role)
    city = models.ForeignKey(
        City,
        models.CASCADE,
        null=True,
        blank=True,
        related_name="memberships",
        verbose_name=_("city"),
    )
    district = models.ForeignKey(
        District,
        models.CASCADE,
        null=True,
        blank=True,
        related_name="memberships",
        verbose_name=_("district"),
    )
    township = models.ForeignKey(
        Township,
        models.CASCADE,
        null=True,
        blank=True,
        related_name="memberships",
        verbose_name=_("township"),
    )
    village = models.ForeignKey(
        Village,
        models.CASCADE,
        null=True,
        blank=True,
        related_name="memberships",
        verbose_name=_("village"),
    )
    created = models.DateTimeField(auto_now_add=True)

    objects = MembershipQuerySet.as_manager()

    # Which scope column each role uses; the constraint below keeps the others empty.
    SCOPE_FIELD = {
        Role.CITY_ADMIN: "city",
        Role.DISTRICT_ADMIN: "district",
        Role.TOWNSHIP_CADRE: "township",
        Role.VILLAGE_COMMITTEE: "village",
        Role.REVIEWER: "village",
    }

    class Meta:
        ordering = ["user", "role"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(
                        role="city_admin",
                        city__isnull=False,
                        district__isnull=True,
                        township__isnull=True,
                        village__isnull=True,
                    )
                    | models.Q(
                        role="district_admin",
                        city__isnull=True,
                        district__isnull=False,
                        township__isnull=True,
                        village__isnull=True,
                    )
                    | models.Q(
                        role="township_cadre",
                        city__isnull=True,
                        district__isnull=True,
                        township__isnull=False,
                        village__isnull=True,
                    )
                    | models.Q(
                        role__in=["village_committee", "reviewer"],
                        city__isnull=True,
                        district__isnull=True,
                        township__isnull=True,
                        village__isnull=False,
                    )
                ),
                name="membership_scope_matches_role",
            ),
            # One row per user, role and place; partial indexes work on SQLite and PostgreSQL.
            *(
                models.UniqueConstraint(
                    fields=["user", "role", place],
                    condition=models.Q(**{f"{place}__isnull": False}),
                    name=f"membership_unique_per_{place}",
                )
                for place in ("city", "district", "township", "village")
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.place}"

    @property
    def place(self):
        return self.city or self.district or self.township or self.village

    def clean(self) -> None:
        wanted = self.SCOPE_FIELD.get(self.role)
        if not wanted:
            return
        for name in ("city", "district", "township", "village"):
            is_set = getattr(self, f"{name}_id") is not None
            if name == wanted and not is_set:
                raise ValidationError(
                    {
                        name: _("This role needs a %(place)s.")
                        % {"place": self._meta.get_field(name).verbose_name}
                    }
                )
            if name != wanted and is_set:
                raise ValidationError({name: _("Leave this empty for this role.")})
