"""Reference data of the regulations: the five services, their support groups, intake and routing.

Each service's setup is read from its regulation in `shared/seeds/` (000 ОмниЧат, 001 CRM B2C, 002 ТЕКОН,
003 NTTM, 004 CLM); the comments name the place. Everything here is editable through the admin API afterwards.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from core.catalog.models import LineGroup, Service
from core.tickets import closing
from core.uow import UnitOfWork

# (code, name, order, level, service): groups without a service are shared by every service
GROUPS: list[tuple[str, str, int, str, str | None]] = [
    ("line1", "1ЛТП (Service Desk)", 1, "line1", None),
    ("line2", "2ЛТП (эксплуатация)", 2, "line2", None),
    ("line3", "3ЛТП (разработка)", 3, "line3", None),
    ("dev", "Группа развития", 4, "dev", None),
    # 000: 2ЛТП is the operations team, 3ЛТП the development team, plus the ОЧ development group
    ("omnichat-line2", "ОмниЧат: 2ЛТП (команда эксплуатации)", 10, "line2", "omnichat"),
    ("omnichat-line3", "ОмниЧат: 3ЛТП (команда развития)", 11, "line3", "omnichat"),
    ("omnichat-dev", "ОмниЧат: группа разработки", 12, "dev", "omnichat"),
    # 001: Дежурная смена CRM (access requests, escalated incidents, outages) and the operations group
    ("crm-duty", "CRM B2C: Дежурная смена CRM", 20, "line2", "crm-b2c"),
    ("crm-line2", "CRM B2C: 2ЛТП (группа эксплуатации ЦК Эксплуатации)", 21, "line2", "crm-b2c"),
    ("crm-line3", "CRM B2C: 3ЛТП ЦК Эксплуатации CRM B2C", 22, "line3", "crm-b2c"),
    # 004: 2ЛТП is the administration group and the incident management group; 3ЛТП is the developer
    ("clm-admin", "CLM: 2ЛТП группа администрирования", 30, "line2", "clm"),
    ("clm-incidents", "CLM: 2ЛТП группа управления инцидентами", 31, "line2", "clm"),
    ("clm-line3", "CLM: 3ЛТП (Центр компетенции по развитию цифровой экосистемы)", 32, "line3", "clm"),
    ("clm-dev", "CLM: группа развития", 33, "dev", "clm"),
    # 002 §6: ОП1–ОП3 by the projects support department (ТП1); ОП3–ОП4 with the programming department (ТП2)
    ("tecon-projects", "ТЕКОН: Отдел сопровождения проектов (ТП1)", 40, "line1", "tecon"),
    ("tecon-programming", "ТЕКОН: Отдел программирования (ТП2)", 41, "line2", "tecon"),
]

_ACCESS = ["full_name", "login", "role", "region"]
_FEATURE = ["full_name", "current_role", "email", "statement", "result", "attachments"]

SERVICES: list[dict[str, Any]] = [
    {
        "code": "omnichat", "name": "ОмниЧат",
        "description": "Омниканальная система для обслуживания клиентов в режиме чата с агентом компании в "
                       "мобильном приложении, с помощью виджета на сайте и/или мессенджеров",
        "sla_policy": "omnichat", "calendar": "msk-business",
        # glossary: Инцидент; Запрос (обслуживание, доступ, консультации); доработка by the development group
        "request_types": ["incident", "access_request", "consultation", "feature"],
        "intake": {"incident": ["environment", "steps", "expected", "actual", "occurred_at", "affected_users",
                                "attachments"],
                   "access_request": _ACCESS, "consultation": ["question"], "feature": _FEATURE},
        # 1ЛТП «обеспечивает регистрацию всех поступающих обращений, первичную обработку обращений»
        "routing": {"incident": "line1", "access_request": "line1", "consultation": "line1", "feature": "line1"},
        "channels": ["Портал Helpme: https://helpme.rt.ru (ОТРС)"],
    },
    {
        "code": "crm-b2c", "name": "CRM B2C",
        "description": "Система управления взаимоотношениями с клиентами сегмента B2C",
        "sla_policy": "crm-b2c", "calendar": "msk-business",
        # glossary «Запрос»: обслуживание, изменение, доработка, информация; and Инцидент
        "request_types": ["incident", "access_request", "change", "feature", "consultation"],
        "intake": {"incident": ["affected_users", "stage", "steps", "occurred_at", "hang_details", "examples",
                                "screenshot"],
                   "access_request": _ACCESS, "change": ["description", "expected", "attachments"],
                   "feature": _FEATURE, "consultation": ["question"]},
        # Дежурная смена: «выполнение запросов на доступ»; 3ЛТП ЦК Эксплуатации does the modernisation
        "routing": {"incident": "crm-line2", "access_request": "crm-duty", "change": "crm-line2",
                    "feature": "crm-line3", "consultation": "line1"},
        "channels": ["Портал самообслуживания HelpMe: https://helpme.rt.ru",
                     "Телефон для МРФ Москва и КЦ: 8 (800) 200-00-33, внутренний (700)5555",
                     "Телефон для МРФ СЗ, ЮГ, Центр, Урал, Сибирь, Дальний Восток, Волга: 8 (800) 301-15-55",
                     "E-mail: helpdesk@rt.ru",
                     "Форма обратной связи в CRM (включая плеер скриптов)"],
    },
    {
        "code": "nttm", "name": "NTTM",
        "description": "Система управления инцидентами на сетях связи ПАО «Ростелеком» "
                       "(New Trouble Ticket Management)",
        "sla_policy": "nttm", "calendar": "msk-business",
        # «Виды обращений»: доработка, предоставление доступа, проблемы с доступом, техническая поддержка
        "request_types": ["feature", "access_request", "access_problem", "incident"],
        "intake": {"incident": ["steps", "expected", "actual", "external_refs", "additional", "attachments"],
                   "access_request": _ACCESS, "access_problem": ["full_name", "login", "description", "attachments"],
                   "feature": _FEATURE},
        # Табл. 3: консультационная поддержка is 2ЛТП's; access by 1ЛТП; доработка by the development group
        "routing": {"incident": "line2", "access_request": "line1", "access_problem": "line1", "feature": "dev",
                    "consultation": "line2"},
        "channels": ["Портал OTRS: https://helpme.rt.ru",
                     "E-mail ihelp@rt.ru — когда OTRS недоступен",
                     "Запросы на доработку: JIRA https://ihelp.rt.ru/projects/OSSTTMB2B"],
        # «Рассылка осуществляется с темой письма «Информационное письмо NTTM» с электронного адреса
        # NTTM-support@RT.RU на адреса всех пользователей системы»
        "notice_subject": "Информационное письмо NTTM", "notice_from": "NTTM-support@RT.RU",
    },
    {
        "code": "clm", "name": "CLM",
        "description": "Система управления целевыми маркетинговыми кампаниями",
        "sla_policy": "clm", "calendar": "msk-business",
        "request_types": ["incident", "access_request", "change", "feature", "consultation"],
        # 004 lists no intake details: the defaults, with the feature request of 003 (the current role)
        "intake": {"feature": _FEATURE},
        # группа администрирования: «предоставление доступа к системе»; группа управления инцидентами: incidents
        "routing": {"incident": "clm-incidents", "access_request": "clm-admin", "change": "clm-admin",
                    "feature": "clm-dev", "consultation": "line1"},
        "channels": [],
    },
    {
        "code": "tecon", "name": "ТЕКОН-Диспетчеризация",
        "description": "Техническое сопровождение программных продуктов АС «ТЕКОН-Диспетчеризация»: "
                       "установка, настройка и использование",
        "sla_policy": "tecon", "calendar": "24x7", "requires_contract": True, "confirmation_only": True,
        # ОП1 typical questions and procedures, ОП2 sending/receiving files, ОП3 a failure with an instruction;
        # ОП4 is opened by staff from an open ОП3 (002 §4–§5), never chosen by the user
        "request_types": ["consultation", "file_transfer", "incident"],
        "type_priority": {"consultation": 4, "file_transfer": 3, "incident": 2},
        "intake": {"consultation": ["full_name", "question"],
                   "file_transfer": ["full_name", "description", "attachments"],
                   "incident": ["full_name", "description", "actual", "attachments"]},
        "routing": {"consultation": "tecon-projects", "file_transfer": "tecon-projects",
                    "incident": "tecon-projects"},
        "channels": ["Горячая линия: (495) 730-41-12, добавочный 2", "E-mail: veyc@tecon.ru",
                     "Сайт: http://www.tecon-d.ru/", "Корпоративный интранет-портал (заявки)"],
    },
]


async def seed_catalog(*, uow: UnitOfWork) -> int:
    """Creates the support groups and the services of the regulations that are missing; returns how many."""
    async with uow:
        added = 0
        have_groups = set((await uow.session.scalars(select(LineGroup.code))).all())
        for code, name, order, level, service in GROUPS:
            if code not in have_groups:
                uow.session.add(LineGroup(code=code, name=name, order=order, level=level, service_code=service))
                added += 1
        have = set((await uow.session.scalars(select(Service.code))).all())
        for spec in SERVICES:
            if spec["code"] not in have:
                uow.session.add(Service(**spec))
                added += 1
        added += await closing.seed(uow.session)
        await uow.commit()
        return added
