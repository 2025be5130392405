"""roadchief's tables as Django sees them: unmanaged (no migrations), only the columns
the GeoReport list reads."""

from django.db import models


class District(models.Model):
    code = models.CharField(max_length=16)
    name_zh = models.CharField(max_length=64)
    name_en = models.CharField(max_length=128)

    class Meta:
        managed = False
        db_table = "district"


class Area(models.Model):
    code = models.CharField(max_length=24)
    name_zh = models.CharField(max_length=128)
    name_en = models.CharField(max_length=256)

    class Meta:
        managed = False
        db_table = "area"


class Category(models.Model):
    code = models.CharField(max_length=8)
    name_zh = models.CharField(max_length=64)
    name_en = models.CharField(max_length=128)

    class Meta:
        managed = False
        db_table = "category"


class Case(models.Model):
    code = models.CharField(max_length=12, unique=True)
    category = models.ForeignKey(Category, models.DO_NOTHING)
    district = models.ForeignKey(District, models.DO_NOTHING, null=True)
    area = models.ForeignKey(Area, models.DO_NOTHING, null=True)
    state = models.CharField(max_length=16)
    lat = models.FloatField(null=True)
    lng = models.FloatField(null=True)
    due_at = models.DateTimeField(null=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        managed = False
        db_table = "case"
