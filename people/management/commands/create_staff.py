"""Create a desk account: a reporter (记者) or an editor (编辑).

    python manage.py create_staff 李娜 --role 记者

Prints the generated password once; it is not stored anywhere readable.
The account is linked to a person (人员): an existing one of the same name
with no account yet, or a new staff member. A reporter's new article then
starts with their own byline, and “署我名的” finds their work.
"""

import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from people.desk import EDITOR, REPORTER, sync_groups
from people.models import Person

ROLES = (REPORTER, EDITOR)


class Command(BaseCommand):
    help = "创建编辑部账号(记者或编辑),并打印一次性生成的密码。"

    def add_arguments(self, parser):
        parser.add_argument("name", help="登录名,通常是本人姓名")
        parser.add_argument("--role", help="记者 或 编辑")
        parser.add_argument("--email", default="", help="电子邮箱(可选)")

    def handle(self, *args, name, role, email, **options):
        User = get_user_model()
        name = name.strip()
        if role not in ROLES:
            raise CommandError(f"--role 只能是 {' 或 '.join(ROLES)},收到:{role!r}")
        username_field = User._meta.get_field(User.USERNAME_FIELD)
        try:
            username_field.run_validators(name)
            if not name:
                raise ValidationError("登录名不能为空")
        except ValidationError as error:
            raise CommandError(f"登录名不可用:{';'.join(error.messages)}") from None
        if User.objects.filter(**{User.USERNAME_FIELD: name}).exists():
            raise CommandError(f"账号已存在:{name}")
        password = secrets.token_urlsafe(12)
        with transaction.atomic():
            sync_groups(Group, Permission)
            group = Group.objects.get(name=role)
            user = User.objects.create_user(name, email=email, password=password, is_staff=True)
            user.groups.add(group)
            person = Person.objects.filter(name=name, user__isnull=True).order_by("pk").first()
            if person is None:
                person = Person(name=name)
            person.user = user
            person.save()
        self.stdout.write(self.style.SUCCESS(f"已创建{role}账号:{name}"))
        self.stdout.write(f"署名:{person.name}(人员 {person.get_absolute_url()})")
        self.stdout.write(f"密码(只显示这一次,请妥善转交):{password}")
