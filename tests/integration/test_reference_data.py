"""Reference data (areas, catalogue, calendar) is kept a minute by each process, and an
administrator's change is seen at once by the process that made it."""

from app.services import reference_data


def test_a_value_is_kept_for_a_minute_then_loaded_again(ctx, monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(reference_data.time, "monotonic", lambda: now[0])
    loads = []

    def load():
        loads.append(now[0])
        return len(loads)

    assert reference_data.kept("thing", load) == 1
    now[0] += reference_data.TTL_SECONDS - 1
    assert reference_data.kept("thing", load) == 1  # still kept
    now[0] += 1
    assert reference_data.kept("thing", load) == 2  # the minute is up
    assert len(loads) == 2


def test_invalidate_drops_every_kept_value_together(ctx):
    made = {"a": 0, "b": 0}

    def loader(name):
        def load():
            made[name] += 1
            return made[name]
        return load

    reference_data.kept("a", loader("a"))
    reference_data.kept("b", loader("b"))
    reference_data.invalidate()
    assert (reference_data.kept("a", loader("a")), reference_data.kept("b", loader("b"))) \
        == (2, 2)


def test_a_category_added_by_an_administrator_can_be_reported_at_once(city):
    from app.services import catalogue_cache
    from app.services.admin import catalogue as catalogue_admin
    from app.services.admin import commit

    assert "ZZ01" not in catalogue_cache.active_category_codes()  # now kept by this process
    data = catalogue_admin.category_row(catalogue_cache.active_category("LD03"))
    data.update(code="ZZ01", name_zh="测试类别", name_en="Test category")
    catalogue_admin.save_category(city.admin, data)
    commit()
    assert "ZZ01" in catalogue_cache.active_category_codes()
