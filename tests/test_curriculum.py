from hybrid_icl.curriculum import Curriculum, Schedule


def test_schedule_grows_every_interval_and_stops_at_end():
    s = Schedule(start=5, end=20, inc=1, interval=2000)
    assert [s.value(t) for t in (0, 1999, 2000, 4000, 10**7)] == [5, 5, 6, 7, 20]


def test_curriculum_from_task_without_schedule_is_fixed_at_full_size():
    cur = Curriculum.from_task({"n_dims": 20, "n_points": 41})
    assert cur.at(0) == (20, 41) and cur.at(10**6) == (20, 41)


def test_paper_linear_curriculum():
    cur = Curriculum.from_task(
        {
            "n_dims": 20,
            "n_points": 41,
            "curriculum": {
                "dims": {"start": 5, "end": 20, "inc": 1, "interval": 2000},
                "points": {"start": 11, "end": 41, "inc": 2, "interval": 2000},
            },
        }
    )
    assert cur.at(0) == (5, 11)
    assert cur.at(15 * 2000) == (20, 41)
    assert cur.at(7 * 2000 + 5) == (12, 25)
