"""Model rows read by a statement written out by hand, for the few reads every busy page makes.

Django's ORM spends longer putting a query together and turning its rows into objects than
PostgreSQL spends answering it: about 1 ms of CPU for a group's 40 members with their people,
against 0.1 ms for the statement itself (measured for issue 16, the pages' CPU). The reads here
name their columns from the model (`columns`), so a field added to a model is read too, and give
model instances built as the ORM builds them, each value through the same converters (the demo's
SQLite gives dates as text and sums as floats)."""

import datetime
import functools
import inspect
import operator
from collections.abc import Callable, Collection, Sequence
from decimal import Decimal
from typing import Any, TypeVar

from django.db import DEFAULT_DB_ALIAS, connection
from django.db.models import Field, Model, Q, signals
from django.db.models.base import ModelState
from django.db.models.fields.related_descriptors import ForeignKeyDeferredAttribute
from django.db.models.query import FlatValuesListIterable, ValuesIterable, ValuesListIterable
from django.db.models.sql import Query

M = TypeVar("M", bound=Model)

CENT = Decimal("0.00")


@functools.cache
def _fields(model: type[Model]) -> tuple[Field, ...]:
    return tuple(model._meta.concrete_fields)


@functools.cache
def columns(model: type[Model], alias: str) -> str:
    """The model's columns, in the order `instances` reads them, each as alias."column"."""
    return ", ".join(f'{alias}."{field.column}"' for field in _fields(model))


def width(model: type[Model]) -> int:
    """How many columns `columns` names for the model."""
    return len(_fields(model))


Converter = Callable[[Any], Any]


def _converter(model: type[Model], field: Any) -> Converter | None:
    """What turns the field's value as the database gives it into what the ORM would give (None
    when nothing needs doing), by the converters the ORM applies."""
    column = field.get_col(model._meta.db_table)
    functions = connection.ops.get_db_converters(column) + field.get_db_converters(connection)
    if not functions:
        return None

    def convert(value: Any) -> Any:
        for function in functions:
            value = function(value, column, connection)
        return value

    return convert


@functools.cache
def _converters(model: type[Model], vendor: str) -> tuple[tuple[int, Converter], ...]:
    found = ((index, _converter(model, field)) for index, field in enumerate(_fields(model)))
    return tuple((index, convert) for index, convert in found if convert is not None)


@functools.cache
def _plain(model: type[Model]) -> bool:
    """Whether Model.from_db builds the model's instances by nothing more than setting each
    field's value: no __init__ or from_db of its own, and on each field's name either no
    descriptor that acts on a value set or a foreign key's (which only drops the object cached
    for the former key, and a new instance has none)."""
    if model.__init__ is not Model.__init__ or model.from_db.__func__ is not Model.from_db.__func__:  # type: ignore[attr-defined]
        return False
    descriptors = (inspect.getattr_static(model, field.attname, None) for field in _fields(model))
    return all(
        not hasattr(descriptor, "__set__") or type(descriptor) is ForeignKeyDeferredAttribute
        for descriptor in descriptors
    )


def instances(model: type[M], rows: Sequence[Sequence[Any]], start: int = 0) -> list[M]:
    """An instance of the model from each row, its fields in the columns from `start` on (as
    `columns` lists them), as if the ORM had read it. For a model built by setting its fields'
    values (_plain) and without receivers of pre_init or post_init, the values are set directly,
    as Model.__init__ would set them: a fifth of the time, a millisecond of a group page's 150
    objects (issue 16)."""
    end = start + width(model)
    converters = _converters(model, connection.vendor)
    names = [field.attname for field in _fields(model)]
    direct = _plain(model) and not (signals.pre_init.has_listeners(model) or signals.post_init.has_listeners(model))
    built = []
    for row in rows:
        values = list(row[start:end])
        for index, convert in converters:
            values[index] = convert(values[index])
        if direct:
            instance = object.__new__(model)
            state = instance._state = ModelState()
            state.adding, state.db = False, DEFAULT_DB_ALIAS
            instance.__dict__.update(zip(names, values, strict=True))
        else:
            instance = model.from_db(DEFAULT_DB_ALIAS, names, values)
        built.append(instance)
    return built


def by_pk(model: type[M], pks: Collection[int] | None = None, *, order: str = "name") -> dict[int, M]:
    """The model's rows (those of the ids, when given), by id in the order of the field `order`
    (the database's order, as the ORM's order_by gives it), each as the ORM would give it. One
    query; none for no ids."""
    if pks is not None and not pks:
        return {}
    ids, key = list(pks or ()), model._meta.pk.column
    where = f' WHERE t."{key}" IN ({placeholders(ids)})' if pks is not None else ""
    column = next(field.column for field in _fields(model) if field.name == order)
    statement = f'SELECT {columns(model, "t")} FROM {model._meta.db_table} t{where} ORDER BY t."{column}", t."{key}"'
    return {row.pk: row for row in instances(model, fetch(statement, ids))}


def converter(model: type[Model], name: str) -> Converter:
    """What turns a value of the model's field read by hand into what the ORM would give."""
    return _converter(model, model._meta.get_field(name)) or (lambda value: value)


def money(value: Any) -> Decimal:
    """A sum of amounts read by hand, to the satang (SQLite gives sums as floats, PostgreSQL
    COALESCE(…, 0) a bare 0)."""
    return Decimal(str(value or 0)).quantize(CENT)


@functools.cache
def _condition(model: type[Model], condition: Q, vendor: str) -> tuple[str, tuple[Any, ...]]:
    query = Query(model)
    where = query.build_where(condition)
    sql, params = where.as_sql(query.get_compiler(connection=connection), connection)
    return sql, tuple(params)


def condition(model: type[Model], q: Q) -> tuple[str, tuple[Any, ...]]:
    """A condition the code states once as a Q (a rule, such as which rows are savings) written
    as SQL on the model's table, and its parameters: for a statement written out by hand that
    must apply the same rule."""
    return _condition(model, q, connection.vendor)


def placeholders(values: Sequence[Any]) -> str:
    """The placeholders of an IN (…) list of the values (the demo's SQLite has no = ANY(array))."""
    return ", ".join(["%s"] * len(values))


def fetch(sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


class PreparedValues:
    """A .values() or .values_list() query the ORM puts together once per process and then runs
    with other values of its parameters: for a read the ORM took longer to put together than
    PostgreSQL to answer (a passbook's joins, a summary's sums), still written with the ORM, so
    its rules are stated once. `build(*values)` gives the queryset for the values, each an id
    (int) or a day (datetime.date), of the types given after it. The statement is made once from
    `build(*markers)`, a value no row has for each parameter, and each marker is found among the
    statement's parameters (a day the query compares several times, several times). Its rows are
    what the queryset gives: dicts for .values(), tuples for .values_list(), values when flat."""

    MARKER = -770_000_000_007  # the first id no row has; the next parameter's is one less
    DAY = datetime.date(1234, 5, 6)  # the first day no row has; the next parameter's a day later

    def __init__(self, build: Callable[..., Any], *kinds: type) -> None:
        kinds = kinds or (int,)  # one id, when no kinds are given
        if any(kind not in (int, datetime.date) for kind in kinds):
            raise ValueError("A prepared query's parameters are ids (int) or days (datetime.date).")
        self.build = build
        self.kinds = kinds
        self.markers = [
            self.MARKER - index if kind is int else self.DAY + datetime.timedelta(days=index)
            for index, kind in enumerate(kinds)
        ]
        self._made: dict[str, tuple[str, list[Any], list[list[int]], Callable[..., Any], Any, Any]] = {}

    @staticmethod
    def _adapted(value: Any) -> Any:
        """The value as the ORM puts it among a statement's parameters."""
        return connection.ops.adapt_datefield_value(value) if isinstance(value, datetime.date) else value

    def _make(self) -> tuple[str, list[Any], list[list[int]], Callable[..., Any], Any, Any]:
        queryset = self.build(*self.markers)
        compiler = queryset.query.get_compiler(DEFAULT_DB_ALIAS)
        statement, params = compiler.as_sql()
        params = list(params)
        places = [[i for i, param in enumerate(params) if param == self._adapted(m)] for m in self.markers]
        if not all(places):
            raise ValueError("The queryset must hold each marker among its parameters.")
        query = queryset.query
        # As Django's ValuesIterable and ValuesListIterable name and give the columns.
        names = (
            list(query.selected)
            if query.selected
            else [*query.extra_select, *query.values_select, *query.annotation_select]
        )
        iterable = queryset._iterable_class
        shape: Callable[..., Any]
        if iterable is ValuesIterable:
            shape = lambda row: dict(zip(names, row, strict=True))  # noqa: E731
        elif iterable is ValuesListIterable:
            shape = tuple
        elif iterable is FlatValuesListIterable:
            shape = operator.itemgetter(0)
        else:
            raise ValueError("A prepared query gives .values() or .values_list() rows.")
        converters = compiler.get_converters([column for column, _, _ in compiler.select[: compiler.col_count]])
        return statement, params, places, shape, compiler, converters

    @staticmethod
    def _checked(value: Any, kind: type) -> Any:
        """The value as a parameter of the kind: an int that is not a bool, or a day that is not a
        datetime (whose time the statement would drop without a word), made a plain date."""
        if kind is int and type(value) is int:
            return value
        if kind is datetime.date and isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
            return value if type(value) is datetime.date else datetime.date(value.year, value.month, value.day)
        raise TypeError("A prepared query's values are of the types it was made for.")

    def rows(self, *values: Any) -> list[Any]:
        if len(values) != len(self.kinds):
            raise TypeError("A prepared query's values are of the types it was made for.")
        values = tuple(self._checked(value, kind) for value, kind in zip(values, self.kinds, strict=True))
        made = self._made.get(connection.vendor)
        if made is None:
            made = self._made[connection.vendor] = self._make()
        statement, params, places, shape, compiler, converters = made
        params = list(params)
        for value, indexes in zip(values, places, strict=True):
            adapted = self._adapted(value)
            for index in indexes:
                params[index] = adapted
        found: Any = fetch(statement, params)
        if converters:
            found = compiler.apply_converters(found, converters)
        return [shape(row) for row in found]
