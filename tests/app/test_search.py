from app.members.search import classify, lookup_scanned, search_members
from tests.app.regdata import register


def _seed(clerk, vault):
    ids = {}
    for name, mobile in (
        ("王伟", "13812345678"),
        ("王伟强", "13912345678"),
        ("欧阳娜娜", "13712340000"),
        ("李伟", "13612345678"),
        ("John Smith", "15012348888"),
    ):
        ids[name] = register(clerk, vault, name=name, mobile=mobile)
    return ids


def test_classify():
    assert classify("138 1234 5678") == ("mobile", "13812345678")
    assert classify("5678") == ("mobile_last4", "5678")
    assert classify("m0123456789") == ("member_no", "M0123456789")
    assert classify("0123456789") == ("member_no", "M0123456789")
    assert classify("王伟") == ("name", "王伟")
    assert classify("  ")[0] == "empty" and classify("12")[0] == "invalid"


def test_search_kinds(clerk, vault):
    ids = _seed(clerk, vault)
    r = search_members(clerk, "13812345678")
    assert [h.id for h in r.hits] == [ids["王伟"]["id"]]
    assert r.hits[0].mobile_masked == "138****5678" and r.hits[0].name_masked == "王*"  # rule: SEN-3
    r = search_members(clerk, "5678")
    assert {h.id for h in r.hits} == {ids["王伟"]["id"], ids["王伟强"]["id"], ids["李伟"]["id"]}
    r = search_members(clerk, ids["欧阳娜娜"]["member_no"])
    assert [h.name_masked for h in r.hits] == ["欧阳*娜"]  # first and last character (issue #20)
    r = search_members(clerk, "王伟")  # a 2-character name: exact first, then longer names
    assert [h.id for h in r.hits] == [ids["王伟"]["id"], ids["王伟强"]["id"]]
    r = search_members(clerk, "伟强")
    assert [h.id for h in r.hits] == [ids["王伟强"]["id"]]
    r = search_members(clerk, "欧阳娜")
    assert [h.id for h in r.hits] == [ids["欧阳娜娜"]["id"]]
    assert [h.id for h in search_members(clerk, "john").hits] == [ids["John Smith"]["id"]]
    assert {h.id for h in search_members(clerk, "王").hits} == {ids["王伟"]["id"], ids["王伟强"]["id"]}
    assert search_members(clerk, "赵敏").hits == ()
    audit = clerk.db.all("SELECT details FROM audit_log WHERE action = 'member.search'")
    assert audit and all("王" not in a[0] and "5678" not in a[0] for a in audit)  # rule: SEC-2


def test_name_index_follows_corrections(clerk, vault):
    from app.members.service import update_member

    ids = _seed(clerk, vault)
    update_member(clerk, ids["李伟"]["id"], {"name": "李卫东"})
    assert search_members(clerk, "李伟").hits == ()
    assert [h.id for h in search_members(clerk, "卫东").hits] == [ids["李伟"]["id"]]


def test_restricted_excluded_for_clerks(clerk, manager, vault):
    ids = _seed(clerk, vault)
    clerk.db.execute("UPDATE members SET restricted = 1 WHERE id = ?", (ids["王伟"]["id"],))
    assert ids["王伟"]["id"] not in {h.id for h in search_members(clerk, "王伟").hits}  # rule: RIG-5
    assert search_members(clerk, "13812345678").hits == ()  # rule: RIG-5
    assert ids["王伟"]["id"] in {h.id for h in search_members(manager, "王伟").hits}


def test_scanned_barcode(clerk, vault):
    ids = _seed(clerk, vault)
    assert lookup_scanned(clerk, ids["李伟"]["member_no"]) == ids["李伟"]["id"]
    assert lookup_scanned(clerk, "13812345678") is None


def test_limit_and_truncation(clerk, vault):
    from tests.factories import make_member

    for i in range(12):
        make_member(clerk, name=f"陈{'一二三四五六七八九十百千'[i]}", mobile=f"1581111{i:04d}")
    r = search_members(clerk, "陈", limit=10)
    assert len(r.hits) == 10 and r.truncated
    assert len(search_members(clerk, "1111", limit=5).hits) == 0  # last-4 of 1581111xxxx are the i digits
