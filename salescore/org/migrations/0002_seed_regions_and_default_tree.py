"""A new install ships China's regions and the policy's organisation tree (R1.1, R1.2)."""

from django.db import migrations
from django.utils import timezone

from salescore.org import seed

STEP = 10


def _segment(pk):
    return f"{pk:0{STEP}d}/"


def _place(model, obj, parent):
    obj.path = (parent.path if parent else "") + _segment(obj.pk)
    obj.depth = (parent.depth + 1) if parent else 0
    model.objects.filter(pk=obj.pk).update(path=obj.path, depth=obj.depth)


def forwards(apps, schema_editor):
    Region = apps.get_model("org", "Region")
    OrgUnit = apps.get_model("org", "OrgUnit")
    now = timezone.now()
    stamps = {"created_at": now, "updated_at": now}

    if not Region.objects.exists():
        china = Region.objects.create(code="CN", name="中国", name_en="China", level="country", **stamps)
        _place(Region, china, None)
        provinces = {}
        for code, name, name_en in seed.PROVINCES:
            province = Region.objects.create(
                code=code, name=name, name_en=name_en, level="province", parent=china, **stamps
            )
            _place(Region, province, china)
            provinces[code[:2]] = province
        for code, name, name_en in seed.CITIES:
            parent = provinces[code[:2]]
            city = Region.objects.create(code=code, name=name, name_en=name_en, level="city", parent=parent, **stamps)
            _place(Region, city, parent)

    if not OrgUnit.objects.exists():
        company = OrgUnit.objects.create(kind="company", name=seed.COMPANY[0], name_en=seed.COMPANY[1], **stamps)
        _place(OrgUnit, company, None)
        name, name_en, description, description_en = seed.DEPARTMENT
        department = OrgUnit.objects.create(
            kind="department",
            parent=company,
            name=name,
            name_en=name_en,
            description=description,
            description_en=description_en,
            **stamps,
        )
        _place(OrgUnit, department, company)
        for order, (name, name_en, duty, description, description_en) in enumerate(seed.SECTIONS, start=1):
            section = OrgUnit.objects.create(
                kind="section",
                parent=department,
                name=name,
                name_en=name_en,
                duty=duty,
                description=description,
                description_en=description_en,
                sort_order=order,
                **stamps,
            )
            _place(OrgUnit, section, department)


class Migration(migrations.Migration):
    dependencies = [("org", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
