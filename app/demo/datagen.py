"""Synthetic, clearly fake members: realistic Chinese names (1-2 character given names, common and
compound surnames) and mobiles with real prefixes. Deterministic for a seed."""

from __future__ import annotations

import random
from collections.abc import Iterator

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
COMPOUND = ("欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "令狐", "慕容")
GIVEN = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬燕彬鑫宇浩然子涵欣怡梓萱"
    "一诺思远俊杰晨曦雨桐嘉怡佳琪文博天佑雅婷志强建国海燕春梅秋菊冬生"
)
PREFIXES = (
    "130",
    "131",
    "132",
    "133",
    "135",
    "136",
    "137",
    "138",
    "139",
    "150",
    "151",
    "152",
    "155",
    "156",
    "157",
    "158",
    "159",
    "166",
    "170",
    "176",
    "177",
    "178",
    "180",
    "181",
    "182",
    "183",
    "185",
    "186",
    "187",
    "188",
    "189",
    "191",
    "198",
    "199",
)


def name(rng: random.Random) -> str:
    surname = rng.choice(COMPOUND) if rng.random() < 0.01 else rng.choice(SURNAMES)
    given_len = 1 if rng.random() < 0.35 else 2
    return surname + "".join(rng.choice(GIVEN) for _ in range(given_len))


def mobile(rng: random.Random, i: int) -> str:
    """Unique per i (the last 8 digits encode i), with a real prefix."""
    return rng.choice(PREFIXES) + f"{(i * 7919 + 12345) % 100_000_000:08d}"


def members(n: int, seed: int = 42) -> Iterator[tuple[int, str, str]]:
    rng = random.Random(seed)
    for i in range(n):
        yield i, name(rng), mobile(rng, i)
