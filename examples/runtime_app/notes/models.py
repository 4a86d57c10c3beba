"""A notes service: authors write notes, notes carry tags."""

from dbshift import models
from dbshift.models.functions import Now


class Author(models.Model):
    name = models.CharField(max_length=100, unique=True)
    joined = models.DateTimeField(db_default=Now())


class Tag(models.Model):
    name = models.SlugField(max_length=50, unique=True)


class Note(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft"
        PUBLISHED = "published"

    author = models.ForeignKey(Author, models.CASCADE, related_name="notes")
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    tags = models.ManyToManyField(Tag, related_name="notes")
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created"]
        indexes = [models.Index(fields=["status", "-created"], name="note_status_recent")]
