"""The optimizer folds operations into fewer with the same effect on the state."""

from __future__ import annotations

import random
import string

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dbshift import models
from dbshift.migrations import operations as ops
from dbshift.migrations.optimizer import optimize
from dbshift.migrations.state import ProjectState
from dbshift.utils.deconstruct import deep_deconstruct


def char(length: int = 10, **options) -> models.CharField:
    return models.CharField(max_length=length, **options)


def create(name: str = "Article", *fields: tuple[str, models.Field], **options) -> ops.CreateModel:
    return ops.CreateModel(
        name,
        [("id", models.BigAutoField(auto_created=True, primary_key=True)), *fields],
        options=options or None,
    )


def same(left: list[ops.Operation], right: list[ops.Operation]) -> bool:
    return [(type(op), deep_deconstruct(op.deconstruct())) for op in left] == [
        (type(op), deep_deconstruct(op.deconstruct())) for op in right
    ]


def existing_article() -> ProjectState:
    """Return a state with an Article (title, body, a, b; index "a") to change."""
    return fold(
        [
            create(
                "Article",
                ("title", char()),
                ("body", char()),
                ("a", char()),
                ("b", char()),
                indexes=[models.Index(fields=["body"], name="a")],
            )
        ]
    )


def assert_optimizes(operations, expected):
    result = optimize(operations, "pages")
    assert same(result, expected), f"{result!r} != {expected!r}"
    start = ProjectState() if isinstance(operations[0], ops.CreateModel) else existing_article()
    assert fold(operations, start) == fold(result, start)


def assert_unchanged(operations):
    assert_optimizes(operations, operations)


def fold(operations, start: ProjectState | None = None) -> ProjectState:
    state = (start or ProjectState()).clone()
    for operation in operations:
        operation.state_forwards("pages", state)
    return state


# -- CreateModel takes in later changes of its model ------------------------------------------


def test_create_then_delete_is_nothing():
    assert_optimizes([create(), ops.DeleteModel("Article")], [])


def test_create_then_rename_creates_under_the_new_name():
    assert_optimizes([create(), ops.RenameModel("Article", "Post")], [create("Post")])


def test_create_then_rename_retargets_relations_to_itself():
    parent = models.ForeignKey("pages.article", on_delete=models.CASCADE, null=True)
    links = models.ManyToManyField("pages.article")

    result = optimize(
        [
            create("Article", ("parent", parent), ("links", links)),
            ops.RenameModel("Article", "Post"),
        ],
        "pages",
    )

    (created,) = result
    assert created.name == "Post"
    assert [field.to for _, field in created.fields[1:]] == ["pages.post", "pages.post"]


def test_a_model_pointing_at_a_renamed_model_stays_before_the_rename():
    # Moving the rename before Comment's creation would leave Comment pointing
    # at a model name that no longer exists.
    fk = models.ForeignKey("pages.article", on_delete=models.CASCADE)
    operations = [create(), create("Comment", ("article", fk)), ops.RenameModel("Article", "Post")]

    result = optimize(operations, "pages")

    assert fold(result) == fold(operations)
    assert fold(result).get_model("pages", "comment").fields["article"].to == "pages.post"


def test_a_field_pointing_at_a_renamed_model_stays_before_the_rename():
    fk = models.ForeignKey("pages.tag", on_delete=models.CASCADE, null=True)
    operations = [
        create("Tag"),
        ops.AddField("article", "tag", fk),
        ops.RenameModel("Tag", "Label"),
    ]
    start = existing_article()

    result = optimize(operations, "pages")

    assert fold(result, start) == fold(operations, start)
    assert fold(result, start).get_model("pages", "article").fields["tag"].to == "pages.label"


def test_create_takes_in_added_altered_renamed_and_removed_fields():
    assert_optimizes(
        [create(), ops.AddField("article", "title", char())],
        [create("Article", ("title", char()))],
    )
    assert_optimizes(
        [create("Article", ("title", char())), ops.AlterField("article", "title", char(20))],
        [create("Article", ("title", char(20)))],
    )
    assert_optimizes(
        [create("Article", ("title", char())), ops.RenameField("article", "title", "headline")],
        [create("Article", ("headline", char()))],
    )
    assert_optimizes(
        [create("Article", ("title", char())), ops.RemoveField("article", "title")],
        [create()],
    )


def test_create_takes_in_options_indexes_and_constraints():
    index = models.Index(fields=["title"], name="title_idx")
    check = models.CheckConstraint(condition=models.Q(title__gt=""), name="has_title")
    base = create("Article", ("title", char()), ("slug", char()))

    assert_optimizes(
        [
            base,
            ops.AlterModelTable("article", "stories"),
            ops.AlterModelTableComment("article", "Stories"),
            ops.AlterUniqueTogether("article", {("title", "slug")}),
            ops.AddIndex("article", index),
            ops.AddConstraint("article", check),
        ],
        [
            create(
                "Article",
                ("title", char()),
                ("slug", char()),
                db_table="stories",
                db_table_comment="Stories",
                unique_together={("title", "slug")},
                indexes=[index],
                constraints=[check],
            )
        ],
    )


def test_create_moves_past_unrelated_models_to_take_in_a_relation():
    # The relation to Tag must stay after Tag's creation.
    fk = models.ForeignKey("pages.tag", on_delete=models.CASCADE)
    operations = [create(), create("Tag"), ops.AddField("article", "tag", fk)]

    assert_optimizes(operations, [create("Tag"), create("Article", ("tag", fk))])


def test_a_change_moves_back_past_a_model_that_points_at_the_created_one():
    fk = models.ForeignKey("pages.article", on_delete=models.CASCADE)
    operations = [
        create(),
        create("Comment", ("article", fk)),
        ops.AddField("article", "title", char()),
    ]

    assert_optimizes(
        operations, [create("Article", ("title", char())), create("Comment", ("article", fk))]
    )


def test_create_does_not_pass_a_model_it_depends_on_in_both_directions():
    to_tag = models.ForeignKey("pages.tag", on_delete=models.CASCADE)
    to_article = models.ForeignKey("pages.article", on_delete=models.CASCADE)
    operations = [
        create(),
        create("Tag", ("article", to_article)),
        ops.AddField("article", "tag", to_tag),
    ]

    assert_unchanged(operations)


# -- Field operations ------------------------------------------------------------------------


def test_add_then_remove_is_nothing():
    assert_optimizes(
        [ops.AddField("article", "extra", char()), ops.RemoveField("article", "extra")], []
    )


def test_add_then_alter_adds_the_altered_field():
    assert_optimizes(
        [ops.AddField("article", "extra", char()), ops.AlterField("article", "extra", char(30))],
        [ops.AddField("article", "extra", char(30))],
    )


def test_add_then_rename_adds_under_the_new_name():
    assert_optimizes(
        [
            ops.AddField("article", "extra", char()),
            ops.RenameField("article", "extra", "headline"),
        ],
        [ops.AddField("article", "headline", char())],
    )


def test_alter_then_alter_keeps_the_last():
    assert_optimizes(
        [
            ops.AlterField("article", "title", char(20)),
            ops.AlterField("article", "title", char(30)),
        ],
        [ops.AlterField("article", "title", char(30))],
    )


def test_alter_then_remove_is_the_remove():
    assert_optimizes(
        [ops.AlterField("article", "title", char(20)), ops.RemoveField("article", "title")],
        [ops.RemoveField("article", "title")],
    )


def test_alter_then_rename_renames_first():
    assert_optimizes(
        [
            ops.AlterField("article", "title", char(20)),
            ops.RenameField("article", "title", "headline"),
        ],
        [
            ops.RenameField("article", "title", "headline"),
            ops.AlterField("article", "headline", char(20)),
        ],
    )


def test_alter_that_pins_the_column_stays_before_the_rename():
    # Moving it after the rename would rename the column and then rename it back.
    assert_unchanged(
        [
            ops.AlterField("article", "title", char(db_column="title")),
            ops.RenameField("article", "title", "headline"),
        ]
    )


def test_rename_chains_fold_and_a_rename_back_is_nothing():
    assert_optimizes(
        [ops.RenameField("article", "title", "t2"), ops.RenameField("article", "t2", "t3")],
        [ops.RenameField("article", "title", "t3")],
    )
    assert_optimizes(
        [ops.RenameField("article", "title", "t2"), ops.RenameField("article", "t2", "title")], []
    )
    assert_optimizes(
        [ops.RenameModel("Article", "Post"), ops.RenameModel("Post", "Story")],
        [ops.RenameModel("Article", "Story")],
    )
    assert_optimizes([ops.RenameModel("Article", "Post"), ops.RenameModel("Post", "Article")], [])


def test_field_changes_before_deleting_the_model_go():
    assert_optimizes(
        [
            ops.AddField("article", "extra", char()),
            ops.AlterField("article", "body", char()),
            ops.DeleteModel("Article"),
        ],
        [ops.DeleteModel("Article")],
    )


def test_operations_on_other_fields_do_not_block_a_fold():
    assert_optimizes(
        [
            ops.AddField("article", "extra", char()),
            ops.AddField("article", "extra2", char()),
            ops.RemoveField("article", "extra"),
        ],
        [ops.AddField("article", "extra2", char())],
    )


def test_an_operation_on_the_same_field_blocks_a_fold():
    assert_unchanged(
        [
            ops.AddField("article", "extra", char()),
            ops.AddIndex("article", models.Index(fields=["extra"], name="i")),
            ops.RemoveField("article", "extra"),
        ]
    )


def test_one_off_default_survives_an_alter_that_adds_no_default():
    operations = [
        ops.AddField("article", "title", char(default="x"), preserve_default=False),
        ops.AlterField("article", "title", char(30)),
    ]

    result = optimize(operations, "pages")

    assert len(result) == 1
    (add,) = result
    assert add.preserve_default is False
    assert add.field.default == "x"
    assert add.field.max_length == 30
    start = fold([create()])
    assert fold(operations, start) == fold(result, start)


# -- Indexes and constraints ------------------------------------------------------------------


def test_index_and_constraint_add_then_remove_is_nothing():
    index = models.Index(fields=["title"], name="i")
    check = models.CheckConstraint(condition=models.Q(title__gt=""), name="c")

    assert_optimizes([ops.AddIndex("article", index), ops.RemoveIndex("article", "i")], [])
    assert_optimizes(
        [ops.AddConstraint("article", check), ops.RemoveConstraint("article", "c")], []
    )


def test_index_renames_fold():
    index = models.Index(fields=["title"], name="x")

    assert_optimizes(
        [ops.AddIndex("article", index), ops.RenameIndex("article", new_name="y", old_name="x")],
        [ops.AddIndex("article", models.Index(fields=["title"], name="y"))],
    )
    assert_optimizes(
        [
            ops.RenameIndex("article", new_name="b", old_name="a"),
            ops.RenameIndex("article", new_name="c", old_name="b"),
        ],
        [ops.RenameIndex("article", new_name="c", old_name="a")],
    )


def test_later_option_operation_of_the_same_kind_wins():
    assert_optimizes(
        [ops.AlterModelTable("article", "a"), ops.AlterModelTable("article", "b")],
        [ops.AlterModelTable("article", "b")],
    )
    assert_optimizes(
        [
            ops.AlterUniqueTogether("article", {("a", "b")}),
            ops.AlterUniqueTogether("article", set()),
        ],
        [ops.AlterUniqueTogether("article", set())],
    )


# -- Code and SQL are barriers ---------------------------------------------------------------


def test_sql_between_create_and_delete_blocks_the_fold():
    assert_unchanged([create(), ops.RunSQL("UPDATE x SET y = 1"), ops.DeleteModel("Article")])


def test_python_between_add_and_remove_blocks_the_fold():
    assert_unchanged(
        [
            ops.AddField("article", "extra", char()),
            ops.RunPython(ops.RunPython.noop),
            ops.RemoveField("article", "extra"),
        ]
    )


def test_elidable_sql_is_dropped():
    result = optimize(
        [create(), ops.RunSQL("SELECT 1", elidable=True), ops.DeleteModel("Article")], "pages"
    )

    assert result == []


# -- Any sequence: the optimized list builds the same state ------------------------------------

NAMES = st.sampled_from(list("abcde"))
MODELS = st.sampled_from(["Alpha", "Beta", "Gamma"])


def field_strategy(models_present: list[str]) -> st.SearchStrategy[models.Field]:
    plain = st.one_of(
        st.builds(char, st.integers(1, 50)),
        st.just(models.IntegerField(null=True)),
        st.just(models.TextField(default="")),
    )
    if not models_present:
        return plain
    targets = st.sampled_from(models_present).map(lambda target: f"pages.{target.lower()}")
    relation = st.one_of(
        targets.map(lambda label: models.ForeignKey(label, models.CASCADE, null=True)),
        targets.map(lambda label: models.ManyToManyField(label)),
    )
    return st.one_of(plain, relation)


def next_operation(data: st.DataObject, state: ProjectState) -> ops.Operation | None:
    present = sorted(model.name for model in state.models.values())
    kinds = ["create"]
    if present:
        kinds += ["delete", "rename_model", "add", "table", "comment", "options"]
        kinds += ["index", "constraint", "together"]
    with_fields = [model.name for model in state.models.values() if set(model.fields) - {"id"}]
    if with_fields:
        kinds += ["remove", "alter", "rename_field"]
    with_indexes = [model.name for model in state.models.values() if model.indexes]
    if with_indexes:
        kinds += ["remove_index", "rename_index"]
    with_constraints = [model.name for model in state.models.values() if model.constraints]
    if with_constraints:
        kinds += ["remove_constraint"]
    kind = data.draw(st.sampled_from(kinds))
    if kind == "create":
        name = data.draw(MODELS)
        if name in present:
            return None
        return create(name, ("a", char()))
    if kind in ("remove", "alter", "rename_field"):
        model = state.get_model("pages", data.draw(st.sampled_from(sorted(with_fields))))
        field = data.draw(st.sampled_from(sorted(set(model.fields) - {"id"})))
        if kind == "remove":
            return ops.RemoveField(model.name_lower, field)
        if kind == "alter":
            return ops.AlterField(model.name_lower, field, data.draw(field_strategy(present)))
        new = data.draw(NAMES)
        return None if new in model.fields else ops.RenameField(model.name_lower, field, new)
    if kind == "remove_index":
        model = state.get_model("pages", data.draw(st.sampled_from(sorted(with_indexes))))
        return ops.RemoveIndex(model.name_lower, data.draw(st.sampled_from(model.indexes)).name)
    if kind == "rename_index":
        model = state.get_model("pages", data.draw(st.sampled_from(sorted(with_indexes))))
        old = data.draw(st.sampled_from(model.indexes)).name
        new = "ix_" + data.draw(st.text(string.ascii_lowercase, min_size=1, max_size=3))
        taken = {item.name for item in [*model.indexes, *model.constraints]}
        return None if new in taken else ops.RenameIndex(model.name_lower, new, old)
    if kind == "remove_constraint":
        model = state.get_model("pages", data.draw(st.sampled_from(sorted(with_constraints))))
        return ops.RemoveConstraint(
            model.name_lower, data.draw(st.sampled_from(model.constraints)).name
        )
    model = state.get_model("pages", data.draw(st.sampled_from(present)))
    columns = sorted(set(model.fields) - {"id"})
    if kind == "delete":
        if any(True for _ in state.related_fields_to(model.label_lower)):
            return None
        return ops.DeleteModel(model.name)
    if kind == "rename_model":
        new = data.draw(MODELS)
        return None if new in present else ops.RenameModel(model.name, new)
    if kind == "add":
        name = data.draw(NAMES)
        if name in model.fields:
            return None
        return ops.AddField(model.name_lower, name, data.draw(field_strategy(present)))
    if kind == "table":
        return ops.AlterModelTable(model.name_lower, data.draw(st.sampled_from([None, "t1", "t2"])))
    if kind == "comment":
        return ops.AlterModelTableComment(model.name_lower, data.draw(st.sampled_from([None, "c"])))
    if kind == "options":
        options = data.draw(st.sampled_from([{}, {"managed": False}, {"ordering": ["id"]}]))
        return ops.AlterModelOptions(model.name_lower, options)
    taken = {item.name for item in [*model.indexes, *model.constraints]}
    if not columns:
        return None
    fields = data.draw(st.lists(st.sampled_from(columns), min_size=1, max_size=2, unique=True))
    name = f"{model.name_lower}_{'_'.join(fields)}_{kind[:3]}"
    if kind == "together":
        return ops.AlterUniqueTogether(
            model.name_lower, {tuple(fields)} if len(fields) > 1 else set()
        )
    if name in taken:
        return None
    if kind == "index":
        return ops.AddIndex(model.name_lower, models.Index(fields=fields, name=name))
    return ops.AddConstraint(model.name_lower, models.UniqueConstraint(fields=fields, name=name))


def draw_operations(
    data: st.DataObject, state: ProjectState, most: int, raw_sql: bool = False
) -> list[ops.Operation]:
    """Draw up to ``most`` valid operations in a row, applying them to ``state``.

    With ``raw_sql``, some are RunSQL, which only elidable operations move past.
    """
    operations: list[ops.Operation] = []
    for _ in range(data.draw(st.integers(1, most))):
        if raw_sql and data.draw(st.integers(0, 9)) == 0:
            operations.append(ops.RunSQL("SELECT 1", elidable=data.draw(st.booleans())))
            continue
        operation = next_operation(data, state)
        if operation is None:
            continue
        operation.state_forwards("pages", state)
        operations.append(operation)
    return operations


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_optimized_operations_build_the_same_state(data):
    state = ProjectState()
    operations = draw_operations(data, state, most=12)

    optimized = optimize(operations, "pages")

    assert len(optimized) <= len(operations)
    assert fold(optimized) == state
    assert optimize(optimized, "pages") == optimized


# -- Any sequence: the result is the one a plain restart-after-every-fold search gives -----------


def fold_by_full_rescans(operations: list[ops.Operation], app_label: str) -> list[ops.Operation]:
    """Fold the first foldable pair, scanning from the start again after every fold.

    The slow search the optimizer must agree with: it asks every pair again each time.
    """
    current = list(operations)
    while True:
        for first_index, first in enumerate(current):
            folded = fold_first_pair_from(current, first_index, first, app_label)
            if folded is not None:
                current = folded
                break
        else:
            return current


def fold_first_pair_from(current, first_index, first, app_label):
    may_move_right = True
    for second_index in range(first_index + 1, len(current)):
        second = current[second_index]
        result = first.reduce(second, app_label)
        if isinstance(result, list):
            between = current[first_index + 1 : second_index]
            if may_move_right:
                merged = [*between, *result]
            elif all(operation.reduce(second, app_label) is True for operation in between):
                merged = [*result, *between]
            else:
                return None
            return [*current[:first_index], *merged, *current[second_index + 1 :]]
        if not result:
            may_move_right = False
    return None


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_optimizer_agrees_with_restarting_after_every_fold(data):
    operations = draw_operations(data, ProjectState(), most=30, raw_sql=True)

    assert same(optimize(operations, "pages"), fold_by_full_rescans(operations, "pages"))


def test_optimizer_agrees_with_restarting_after_every_fold_on_related_models():
    rng = random.Random(7)
    for _ in range(40):
        count = rng.randint(2, 40)
        operations: list[ops.Operation] = [create(f"M{number}") for number in range(count)]
        for number in range(count):
            for link in range(rng.randint(0, 2)):
                target = f"pages.m{rng.randrange(count)}"
                field = models.ForeignKey(target, models.CASCADE, null=True)
                operations.append(ops.AddField(f"m{number}", f"link{link}", field))
        rng.shuffle(operations)
        assert same(optimize(operations, "pages"), fold_by_full_rescans(operations, "pages"))
