"""Models of a two-app project at each step of its history, for Django and dbshift alike.

Each source lacks its import line: Django's projects get ``from django.db import
models`` and dbshift's ``from dbshift import models``. The steps exercise every
field class, most options and Meta features, abstract bases, relations within and
across apps, renames of fields, models and indexes, and removals.
"""

APPS = ("catalog", "blog")

STOCK_RULES = """\
            models.CheckConstraint(
                condition=models.Q(stock__lte=100000)
                | (models.Q(status="a") & ~models.Q(weight__isnull=True))
                | models.Q(psmall__in=[1, 2, 3]),
                name="stock_rules",
            ),
"""

CATALOG_1 = (
    """
import datetime
import decimal
import uuid


def default_code():
    return "new"


class Timestamped(models.Model):
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True
        ordering = ["-created"]


class Category(models.Model):
    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=120)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "categories"
        db_table_comment = "Product categories"


class Tag(models.Model):
    id = models.SmallAutoField(primary_key=True)
    label = models.CharField(max_length=30, db_collation="C")


class Product(Timestamped):
    class Status(models.TextChoices):
        DRAFT = "d", "Draft"
        ACTIVE = "a", "Active"

    sku = models.CharField(max_length=32, db_index=True, db_comment="Stock keeping unit")
    uid = models.UUIDField(default=uuid.uuid4, editable=False, unique=True)
    code = models.CharField(max_length=10, default=default_code)
    name = models.CharField(max_length=200, verbose_name="product name", help_text="Shown")
    description = models.TextField(blank=True, default="")
    price = models.DecimalField(max_digits=10, decimal_places=2, default=decimal.Decimal("0.00"))
    weight = models.FloatField(null=True)
    stock = models.PositiveIntegerField(default=0)
    rank = models.SmallIntegerField(db_default=0)
    big = models.BigIntegerField(null=True)
    pbig = models.PositiveBigIntegerField(null=True)
    psmall = models.PositiveSmallIntegerField(null=True)
    active = models.BooleanField(default=True)
    status = models.CharField(max_length=1, choices=Status.choices, default=Status.DRAFT)
    launch = models.DateField(null=True)
    opens = models.TimeField(default=datetime.time(9, 0))
    warranty = models.DurationField(default=datetime.timedelta(days=365))
    data = models.JSONField(default=dict, blank=True)
    image = models.BinaryField(null=True)
    homepage = models.URLField(blank=True)
    contact = models.EmailField(blank=True)
    ip = models.GenericIPAddressField(null=True, protocol="IPv4")
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="products")
    tags = models.ManyToManyField(Tag, blank=True, db_table="catalog_product_labels")

    class Meta:
        db_table = "catalog_products"
        unique_together = [("category", "name")]
        indexes = [
            models.Index(fields=["name", "-price"], name="product_name_price"),
            models.Index(fields=["sku"], condition=models.Q(active=True), name="active_sku"),
            models.Index(fields=["launch"]),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(price__gte=0), name="price_not_negative"),
            models.UniqueConstraint(
                fields=["sku"], condition=models.Q(active=True), name="unique_active_sku"
            ),
"""
    + STOCK_RULES
    + """        ]


class Legacy(models.Model):
    id = models.AutoField(primary_key=True)
    code = models.CharField(max_length=10, db_column="CODE")

    class Meta:
        managed = False
        db_table = "legacy_table"
"""
)

BLOG_1 = """
class Author(models.Model):
    name = models.CharField(max_length=50)
    email = models.EmailField(unique=True)


class Post(models.Model):
    author = models.ForeignKey(Author, on_delete=models.CASCADE)
    product = models.ForeignKey(
        "catalog.Product", on_delete=models.SET_NULL, null=True, db_constraint=False
    )
    title = models.CharField(max_length=120)
    body = models.TextField()
    published = models.DateTimeField(null=True, db_index=True)
"""


def _edit(source: str, *changes: tuple[str, str]) -> str:
    """Return ``source`` with each ``(old, new)`` replaced; each ``old`` must occur once."""
    for old, new in changes:
        assert source.count(old) == 1, old
        source = source.replace(old, new)
    return source


CATALOG_2 = _edit(
    CATALOG_1,
    ("max_length=200, verbose_name=", "max_length=250, verbose_name="),
    (
        '    description = models.TextField(blank=True, default="")\n',
        '    description = models.TextField(blank=True, default="")\n'
        "    barcode = models.CharField(max_length=13, null=True)\n",
    ),
    ("    pbig = models.PositiveBigIntegerField(null=True)\n", ""),
    (
        '        unique_together = [("category", "name")]\n',
        '        unique_together = [("category", "name"), ("sku", "code")]\n'
        '        db_table_comment = "Things we sell"\n',
    ),
    (
        '            models.Index(fields=["launch"]),\n',
        '            models.Index(fields=["launch"]),\n'
        '            models.Index(fields=["stock"], name="stock_idx"),\n',
    ),
    (STOCK_RULES, ""),
    (
        ' related_name="children"\n    )\n',
        ' related_name="children"\n    )\n    position = models.IntegerField(default=0)\n',
    ),
    ("    label = models.CharField(", "    title = models.CharField("),
)

BLOG_2 = (
    _edit(
        BLOG_1,
        (
            "    email = models.EmailField(unique=True)\n",
            "    email = models.EmailField(unique=True)\n\n"
            '    class Meta:\n        db_table = "blog_writers"\n',
        ),
    )
    + """    editor = models.OneToOneField(
        Author, on_delete=models.SET_NULL, null=True, related_name="edited"
    )
    tags = models.ManyToManyField("catalog.Tag", through="Tagging", related_name="posts")


class Tagging(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE)
    tag = models.ForeignKey("catalog.Tag", on_delete=models.CASCADE)
    weight = models.IntegerField(default=1)

    class Meta:
        unique_together = [("post", "tag")]
"""
)

CATALOG_3 = _edit(
    CATALOG_2,
    ('name="stock_idx"', 'name="product_stock_idx"'),
    ('    tags = models.ManyToManyField(Tag, blank=True, db_table="catalog_product_labels")\n', ""),
    (CATALOG_1[CATALOG_1.index("\n\nclass Legacy(models.Model):") :], "\n"),
)

BLOG_3 = _edit(
    BLOG_2,
    ("class Author(", "class Writer("),
    ("(Author, on_delete", "(Writer, on_delete"),
    ("        Author, on_delete", "        Writer, on_delete"),
)

BLOG_4 = _edit(
    BLOG_3,
    (
        "ForeignKey(Writer, on_delete=models.CASCADE)",
        "ForeignKey(Writer, on_delete=models.PROTECT)",
    ),
    ("    body = models.TextField()\n", "    body = models.TextField(null=True)\n"),
)

CATALOG_4 = _edit(
    CATALOG_3,
    ("SlugField(max_length=120)", "SlugField(max_length=120, unique=True)"),
    (
        '    ip = models.GenericIPAddressField(null=True, protocol="IPv4")\n',
        '    ip = models.GenericIPAddressField(null=True, protocol="IPv4")\n'
        "    successor = models.OneToOneField(\n"
        '        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"\n'
        "    )\n",
    ),
)

STEPS = [
    {"catalog": CATALOG_1, "blog": BLOG_1},
    {"catalog": CATALOG_2, "blog": BLOG_2},
    {"catalog": CATALOG_3, "blog": BLOG_3},
    {"catalog": CATALOG_4, "blog": BLOG_4},
]
