"""Demo works of Laem Son On (แหลมสนอ่อน), as in the second half of the network's report of
9 March 2565: eco-bottles of dry waste, bio-ferments from fruit peel and from fish scraps, tote
bags sewn from used T-shirts, begun in 2564 and counted every month up to March 2565; its first
places among the 55 communities of the municipality and at district level, and the provincial
round judged on Wednesday 16 March 2565. The figures are made up; the photos are drawn here, as
illustrations (their captions say so), and stored through the same cleaning as an upload."""

import datetime
import random
from decimal import Decimal
from io import BytesIO

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw

from groups.selectors import current_members
from songkhla_network.models import Community
from songkhla_network.thai import month_end, month_range

from . import services
from .models import Contest, Level, Unit, Work, WorkKind

COMMUNITY = "แหลมสนอ่อน"
LAST_COUNT = datetime.date(2022, 3, 14)  # counted for the provincial round of 16 March 2565
CONTEST = "การประกวดชุมชนด้านการรักษาสิ่งแวดล้อม"
# level, organiser, date, note, place, award
CONTESTS = [
    (
        Level.MUNICIPALITY,
        "เทศบาลนครสงขลา",
        datetime.date(2022, 1, 19),
        "55 ชุมชนในเขตเทศบาลนครสงขลา",
        1,
        "รางวัลชนะเลิศ ที่ 1 จาก 55 ชุมชน",
    ),
    (
        Level.DISTRICT,
        "อำเภอเมืองสงขลา",
        datetime.date(2022, 2, 23),
        "ชุมชนในเขตอำเภอเมืองสงขลา",
        1,
        "รางวัลชนะเลิศระดับอำเภอ",
    ),
    (
        Level.PROVINCE,
        "จังหวัดสงขลา",
        datetime.date(2022, 3, 16),
        "วันพุธที่ 16 มีนาคม 2565 เวลา 13.00 น. คณะกรรมการระดับจังหวัดมาพบชาวชุมชนที่กลุ่มสัจจะออมทรัพย์ชุมชนแหลมสนอ่อน",
        None,
        "",
    ),
]

# kind, title, started on, description, members taking part (a slice of the group's members),
# [(unit, first month's amount, monthly growth, kilograms kept out of the bin per unit)], photos
WORKS = [
    (
        WorkKind.ECO_BOTTLES,
        "ขวดนิเวศจากขยะแห้ง",
        datetime.date(2021, 5, 16),
        (
            "แต่ละบ้านคัดแยกถุงพลาสติกและซองขนมที่แห้งและสะอาด อัดลงในขวดน้ำดื่มที่ใช้แล้วจนแน่น "
            "ได้ขวดนิเวศ (ขวดขยะแห้ง) ที่นำไปก่อเป็นม้านั่งและขอบแปลงผักของชุมชน ขยะเหล่านี้จึงไม่ต้องลงถังขยะของเทศบาล"
        ),
        slice(None),
        [(Unit.BOTTLES, 24, 4, Decimal("0.35"))],
        ["bottles", "bench"],
    ),
    (
        WorkKind.FRUIT_FERMENT,
        "น้ำหมักชีวภาพจากเปลือกผลไม้",
        datetime.date(2021, 7, 3),
        (
            "หมักเปลือกสับปะรด เปลือกส้มและเปลือกผลไม้จากครัวเรือนและแผงผลไม้ในชุมชน กับกากน้ำตาลและน้ำ สามเดือน "
            "ใช้ล้างพื้น ล้างห้องน้ำ ดับกลิ่นท่อระบายน้ำ และรดผักสวนครัว"
        ),
        slice(0, 6),
        [(Unit.LITRES, 20, 3, Decimal("0.3"))],
        ["fruit"],
    ),
    (
        WorkKind.FISH_FERMENT,
        "น้ำหมักชีวภาพจากเศษปลา",
        datetime.date(2021, 8, 7),
        (
            "หัวปลา ไส้ปลาและก้างปลาจากการทำปลาของชาวประมงพื้นบ้าน แทนที่จะทิ้งจนส่งกลิ่นเหม็น นำมาหมักกับกากน้ำตาลในถังปิด "
            "เป็นปุ๋ยน้ำสำหรับผักสวนครัวและไม้ประดับของชุมชน"
        ),
        slice(3, 9),
        [(Unit.LITRES, 12, 2, Decimal("0.5"))],
        ["fish"],
    ),
    (
        WorkKind.TOTE_BAGS,
        "กระเป๋าผ้าจากเสื้อยืดใช้แล้ว",
        datetime.date(2021, 10, 9),
        ("ตัดแขนและคอเสื้อยืดที่ไม่ใช้แล้วเป็นหูหิ้ว เย็บก้นถุง ได้ถุงผ้าสำหรับจ่ายตลาดแทนถุงพลาสติก แจกสมาชิกกลุ่มออมทรัพย์และขายในชุมชน"),
        slice(1, 7),
        [(Unit.BAGS, 15, 3, Decimal("0.2"))],
        ["bags", "shirts"],
    ),
]

CAPTIONS = {
    "bottles": "ภาพประกอบ: ขวดนิเวศที่อัดขยะพลาสติกแห้งจนแน่น รอนำไปก่อม้านั่ง",
    "bench": "ภาพประกอบ: ม้านั่งและขอบแปลงผักที่ก่อจากขวดนิเวศ",
    "fruit": "ภาพประกอบ: ถังหมักเปลือกผลไม้กับกากน้ำตาล",
    "fish": "ภาพประกอบ: ถังหมักเศษปลาแบบปิดฝา ข้างแปลงผักสวนครัว",
    "bags": "ภาพประกอบ: กระเป๋าผ้าจากเสื้อยืดใช้แล้ว ตากรอส่งให้สมาชิก",
    "shirts": "ภาพประกอบ: เสื้อยืดใช้แล้วที่สมาชิกนำมารวมกันก่อนตัดเย็บ",
}


def seed(*, user, photos=True):
    """Laem Son On's works, their monthly figures and photos, and the three rounds of the contest
    with their results. Returns the parts created; safe to run again. Photo files are written to
    MEDIA_ROOT at once and stay there if the transaction is rolled back: a dry run asks for none."""
    community = Community.objects.filter(name=COMMUNITY).first()
    if community is None:
        return []
    created = []
    members = [m.person for m in current_members().filter(group__community=community).order_by("number")]
    works = []
    for kind, title, started_on, description, taking_part, figures, pictures in WORKS:
        work = Work.objects.filter(community=community, title=title).first()
        if work is None:
            work = services.work_create(
                community=community,
                kind=kind,
                title=title,
                description=description,
                started_on=started_on,
                participants=members[taking_part],
                user=user,
            )
            _count_monthly(work, figures, user)
            for picture in pictures if photos else []:
                upload = SimpleUploadedFile(
                    f"{picture}.png", DRAW[picture](random.Random(picture)), content_type="image/png"
                )
                services.photo_add(work=work, upload=upload, caption=CAPTIONS[picture], user=user)
            created.append(title)
        works.append(work)
    for level, organiser, date, note, place, award in CONTESTS:
        if Contest.objects.filter(name=CONTEST, level=level, date=date).exists():
            continue
        contest = services.contest_create(name=CONTEST, organiser=organiser, level=level, date=date, note=note)
        for work in works:
            services.entry_add(contest=contest, work=work)
            if place or award:
                services.result_record(contest=contest, work=work, rank=place, award=award)
        created.append(str(contest))
    return created


def _count_monthly(work, figures, user):
    """A count at the end of every month from the work's start to March 2565, growing as more
    households joined in, with the kilograms of waste it kept out of the bin."""
    rng = random.Random(work.title)
    for index, month in enumerate(month_range(work.started_on, LAST_COUNT)):
        day = min(month_end(month), LAST_COUNT)
        for unit, first, growth, kg_per_unit in figures:
            amount = Decimal(first + growth * index + rng.randrange(-3, 4))
            services.quantity_add(work=work, date=day, amount=amount, unit=unit, note="", user=user)
            kept = (amount * kg_per_unit * 2).quantize(Decimal(1)) / 2  # to the half kilogram
            services.quantity_add(work=work, date=day, amount=kept, unit=Unit.KILOGRAMS, note="", user=user)


# Illustrations drawn with shapes: honest stand-ins for the community's own photos.

W, H = 1200, 900
SKY, WALL, GROUND = (214, 234, 243), (238, 226, 203), (176, 154, 122)
PLASTIC = [
    (231, 76, 60),
    (241, 196, 15),
    (46, 134, 193),
    (39, 174, 96),
    (155, 89, 182),
    (230, 126, 34),
    (236, 240, 241),
]


def _scene(top=WALL, floor=GROUND, horizon=600):
    image = Image.new("RGB", (W, H), top)
    draw = ImageDraw.Draw(image)
    for y in range(horizon):  # a little light from above, so the scene is not flat
        shade = 1 - 0.12 * y / horizon
        draw.line([(0, y), (W, y)], fill=tuple(int(c * shade) for c in top))
    draw.rectangle([0, horizon, W, H], fill=floor)
    return image, draw


def _png(image):
    buffer = BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def _bottle(draw, rng, x, y, w=70, h=200, lying=False):
    """A clear plastic bottle packed with scraps of coloured plastic."""
    if lying:
        draw.rounded_rectangle(
            [x, y, x + h, y + w], radius=w // 3, fill=(225, 238, 242), outline=(120, 140, 150), width=3
        )
        for _ in range(26):
            cx, cy = rng.randrange(x + 8, x + h - 30), rng.randrange(y + 8, y + w - 8)
            draw.ellipse([cx - 9, cy - 6, cx + 9, cy + 6], fill=rng.choice(PLASTIC))
        draw.rectangle([x + h, y + w // 3, x + h + 18, y + 2 * w // 3], fill=(30, 110, 200))
        return
    draw.rectangle([x + w // 3, y - 28, x + 2 * w // 3, y], fill=(30, 110, 200))
    draw.rounded_rectangle([x, y, x + w, y + h], radius=w // 3, fill=(225, 238, 242), outline=(120, 140, 150), width=3)
    for _ in range(30):
        cx, cy = rng.randrange(x + 8, x + w - 8), rng.randrange(y + 25, y + h - 8)
        draw.ellipse([cx - 8, cy - 10, cx + 8, cy + 10], fill=rng.choice(PLASTIC))


def draw_bottles(rng):
    image, draw = _scene()
    for row, y in enumerate([250, 560]):
        for i in range(12):
            _bottle(draw, rng, 40 + i * 95 + row * 20, y, w=72, h=190)
    return _png(image)


def draw_bench(rng):
    image, draw = _scene(top=SKY, floor=(120, 170, 90), horizon=520)
    draw.rectangle([0, 470, W, 520], fill=(95, 140, 70))  # hedge
    for row in range(4):  # the bench: bottles lying in courses, bound with mortar
        for i in range(7):
            _bottle(draw, rng, 180 + i * 120 + (row % 2) * 50, 550 + row * 58, w=54, h=105, lying=True)
    draw.rounded_rectangle([160, 500, 1060, 545], radius=12, fill=(196, 182, 160), outline=(120, 110, 95), width=3)
    for i in range(9):  # a raised bed edged with bottles, greens in it
        _bottle(draw, rng, 40 + i * 125, 840, w=46, h=90, lying=True)
    for i in range(14):
        cx = 80 + i * 80
        draw.ellipse([cx - 35, 800, cx + 35, 850], fill=(46, 139, 87))
    return _png(image)


def _bucket(draw, x, y, w, h, colour, liquid):
    draw.rectangle([x, y, x + w, y + h], fill=colour, outline=(60, 60, 60), width=3)
    draw.rectangle([x + 8, y + 8, x + w - 8, y + 40], fill=liquid)
    draw.rectangle([x - 8, y - 12, x + w + 8, y + 4], fill=tuple(max(c - 40, 0) for c in colour))


def draw_fruit(rng):
    image, draw = _scene(horizon=560)
    draw.rectangle([60, 520, 1140, 560], fill=(139, 94, 60))  # the table
    for i, x in enumerate([110, 430, 750]):
        _bucket(draw, x, 300, 260, 220, [(46, 134, 193), (39, 174, 96), (236, 240, 241)][i], (196, 140, 40))
    for _ in range(40):  # peels in a basin in front
        cx, cy = rng.randrange(200, 1000), rng.randrange(640, 820)
        colour = rng.choice([(243, 156, 18), (241, 196, 15), (211, 84, 0), (120, 170, 60)])
        draw.pieslice([cx - 40, cy - 28, cx + 40, cy + 28], rng.randrange(0, 180), rng.randrange(200, 360), fill=colour)
    draw.arc([150, 600, 1050, 880], 0, 180, fill=(80, 80, 80), width=8)
    return _png(image)


def draw_fish(rng):
    image, draw = _scene(top=SKY, floor=(150, 130, 100), horizon=540)
    for i in range(6):  # the vegetable bed behind
        cx = 120 + i * 190
        draw.ellipse([cx - 70, 460, cx + 70, 560], fill=(46, 139, 87))
    for x in [150, 480]:
        draw.rectangle([x, 360, x + 250, 720], fill=(31, 97, 141), outline=(20, 60, 90), width=4)
        for band in (430, 560, 680):
            draw.rectangle([x, band, x + 250, band + 14], fill=(21, 67, 96))
        draw.ellipse([x - 6, 340, x + 256, 385], fill=(41, 128, 185), outline=(20, 60, 90), width=4)
    draw.ellipse([820, 620, 1140, 780], fill=(200, 200, 200), outline=(110, 110, 110), width=5)  # a basin of scraps
    for _ in range(7):
        cx, cy = rng.randrange(880, 1080), rng.randrange(660, 740)
        draw.ellipse([cx - 38, cy - 14, cx + 38, cy + 14], fill=(150, 160, 170))
        draw.polygon([(cx + 34, cy), (cx + 60, cy - 16), (cx + 60, cy + 16)], fill=(150, 160, 170))
        draw.ellipse([cx - 28, cy - 5, cx - 20, cy + 3], fill=(30, 30, 30))
    return _png(image)


def _tote(draw, x, y, colour, w=150, h=170):
    draw.rectangle([x, y, x + w, y + h], fill=colour, outline=tuple(max(c - 60, 0) for c in colour), width=3)
    for hx in (x + 18, x + w - 58):  # handles cut from the sleeves
        draw.arc([hx, y - 70, hx + 40, y + 30], 180, 360, fill=colour, width=16)


def draw_bags(rng):
    image, draw = _scene(top=SKY, floor=(190, 170, 140), horizon=700)
    draw.line([(0, 230), (W, 250)], fill=(90, 90, 90), width=5)  # the clothesline
    draw.rectangle([20, 200, 40, 700], fill=(120, 90, 60))
    draw.rectangle([W - 40, 200, W - 20, 700], fill=(120, 90, 60))
    for i in range(6):
        _tote(draw, 70 + i * 185, 300, rng.choice(PLASTIC[:6]))
    draw.rectangle([260, 730, 960, 760], fill=(139, 94, 60))  # a table, folded bags on it
    for x in (280, 920):
        draw.rectangle([x, 760, x + 20, 880], fill=(110, 75, 48))
    for i in range(4):
        _tote(draw, 300 + i * 160, 620, rng.choice(PLASTIC[:6]), w=130, h=110)
    return _png(image)


def draw_shirts(rng):
    image, draw = _scene(horizon=640)
    for layer in range(9):  # a pile of folded T-shirts
        x, y = 250 + rng.randrange(-30, 30), 720 - layer * 50
        colour = rng.choice(PLASTIC)
        draw.rounded_rectangle([x, y, x + 420, y + 46], radius=10, fill=colour, outline=(70, 70, 70), width=2)
    x, y = 760, 330  # one laid out, to be cut
    colour = (46, 134, 193)
    draw.polygon(
        [
            (x, y),
            (x + 90, y - 30),
            (x + 200, y - 30),
            (x + 290, y),
            (x + 260, y + 90),
            (x + 230, y + 70),
            (x + 230, y + 330),
            (x + 60, y + 330),
            (x + 60, y + 70),
            (x + 30, y + 90),
        ],
        fill=colour,
    )
    draw.ellipse([x + 105, y - 45, x + 185, y + 10], fill=WALL)
    draw.line([(x + 60, y + 100), (x + 230, y + 100)], fill=(255, 255, 255), width=4)  # where to cut
    return _png(image)


DRAW = {
    "bottles": draw_bottles,
    "bench": draw_bench,
    "fruit": draw_fruit,
    "fish": draw_fish,
    "bags": draw_bags,
    "shirts": draw_shirts,
}
