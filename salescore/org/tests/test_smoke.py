def test_cast_builds(cast):
    assert cast.rep_a.person.org_unit == cast.team_a
