"""What a data source holds, known before (or without) loading it."""

from __future__ import annotations

from dataclasses import dataclass

from .._reading import excerpt
from .._shapes import Shape


@dataclass(frozen=True)
class Schema:
    """The shapes a source gives, found cheaply: what `typednn check` compares with a model.

    A `Dataset` has the same three attributes (`feature_shape`, `target_shape`,
    `classes`), so the check reads either.

    Attributes:
        source: The source as messages name it: `digits`, `iris.csv`.
        feature_shape: The shape of one example's features.
        classes: The number of classes when targets are class ids, else None.
        target_shape: The shape of one target when targets are values, else None.
        examples: How many examples, when known without reading them all.
        class_names: The names of the classes, when the data names them.

    Example:
        >>> print(Schema("digits", Shape((8, 8, 1)), classes=10, examples=1797))
        digits: 1797 examples of (8, 8, 1), 10 classes
    """

    source: str
    feature_shape: Shape
    classes: int | None = None
    target_shape: Shape | None = None
    examples: int | None = None
    class_names: tuple[str, ...] | None = None
    several: Several | None = None
    """For a source of several feature or target arrays (a model with several inputs or
    outputs): each one's name and shape; the fields above then describe the first."""

    def describe(self) -> str:
        """One line: `iris.csv: 150 examples of (4,), 3 classes (setosa, versicolor, virginica)`."""
        count = "examples" if self.examples is None else f"{self.examples} examples"
        if self.several is not None:
            return f"{self.source}: {count}; {self.several.describe()}"
        if self.classes is not None:
            shown = self.class_names and len(self.class_names) <= 5
            # Names come from the data file: a long one is cut, as messages quote a file's values.
            names = f" ({', '.join(_short(name) for name in self.class_names or ())})" if shown else ""
            target = f"{self.classes} classes{names}"
        else:
            target = f"targets of shape {self.target_shape!r}"
        return f"{self.source}: {count} of {self.feature_shape!r}, {target}"

    def __str__(self) -> str:
        return self.describe()


@dataclass(frozen=True)
class Several:
    """The arrays of a source with several feature or target arrays, by name, in order.

    Example:
        >>> print(Several(("image", "meta"), (Shape((8, 8, 3)), Shape((4,))), ("label",), (None,), (10,)).describe())
        features image (8, 8, 3), meta (4,); targets label 10 classes
    """

    feature_names: tuple[str, ...]
    feature_shapes: tuple[Shape, ...]
    target_names: tuple[str, ...]
    target_shapes: tuple[Shape | None, ...]
    target_classes: tuple[int | None, ...]

    def describe(self) -> str:
        features = ", ".join(f"{_short(n)} {s!r}" for n, s in zip(self.feature_names, self.feature_shapes))
        targets = ", ".join(
            f"{_short(n)} " + (f"{c} classes" if c is not None else repr(s))
            for n, s, c in zip(self.target_names, self.target_shapes, self.target_classes)
        )
        return f"features {features}; targets {targets}"


def _short(name: str) -> str:
    return name if len(name) <= 24 and name.isprintable() else excerpt(name)
