"""A project whose models use every field family, relation kind and table option."""

from __future__ import annotations

MODELS = """
import uuid

from dbshift.utils import timezone


class Author(models.Model):
    name = models.CharField(max_length=100, db_comment="Shown on articles")
    email = models.EmailField(unique=True, null=True)
    mentor = models.ForeignKey("self", models.SET_NULL, null=True, related_name="mentees")

    class Meta:
        db_table_comment = "People who write"


class Profile(models.Model):
    author = models.OneToOneField(Author, models.CASCADE)
    bio = models.TextField(blank=True)


class Tag(models.Model):
    slug = models.SlugField(primary_key=True)
    label = models.CharField(max_length=50, db_default="untitled")


class Article(models.Model):
    STATUS = [("d", "Draft"), ("p", "Published")]

    title = models.CharField(max_length=200, db_index=True)
    content = models.TextField()
    status = models.CharField(max_length=1, choices=STATUS, default="d")
    author = models.ForeignKey(Author, models.PROTECT, related_name="articles", null=True)
    editor = models.ForeignKey(Author, models.SET_NULL, null=True, related_name="+")
    tags = models.ManyToManyField(Tag)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)
    published = models.DateField(null=True)
    views = models.PositiveIntegerField(default=0)
    rating = models.DecimalField(max_digits=5, decimal_places=2, default=0)
    key = models.UUIDField(default=uuid.uuid4, unique=True)
    extra = models.JSONField(default=dict)
    stamp = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "article"
        unique_together = [("title", "author")]
        indexes = [models.Index(fields=["-created"], name="article_recent_idx")]
        constraints = [
            models.CheckConstraint(condition=models.Q(views__lt=10**9), name="article_views_sane"),
            models.UniqueConstraint(
                fields=["title"], condition=models.Q(status="p"), name="article_title_published"
            ),
        ]


class Membership(models.Model):
    article = models.ForeignKey(Article, models.CASCADE)
    author = models.ForeignKey(Author, models.CASCADE)
    role = models.CharField(max_length=20, default="co-author")


class Book(models.Model):
    title = models.CharField(max_length=100)
    writers = models.ManyToManyField(Author, through="Membership2", related_name="books")


class Membership2(models.Model):
    book = models.ForeignKey(Book, models.CASCADE)
    author = models.ForeignKey(Author, models.CASCADE)
    since = models.DateField(default=timezone.now)


class Legacy(models.Model):
    name = models.TextField()

    class Meta:
        managed = False
        db_table = "legacy"


class Sample(models.Model):
    flag = models.BooleanField(null=True)
    amount = models.DecimalField(max_digits=8, decimal_places=2, null=True)
    ratio = models.FloatField(null=True)
    day = models.DateField(null=True)
    moment = models.DateTimeField(null=True)
    clock = models.TimeField(null=True)
    span = models.DurationField(null=True)
    ref = models.UUIDField(null=True)
    data = models.JSONField(null=True)
    blob = models.BinaryField(null=True)
    address = models.GenericIPAddressField(null=True)
    count = models.BigIntegerField(null=True)
    small = models.SmallIntegerField(null=True)
    text = models.TextField(null=True)
    url = models.URLField(null=True)
"""
