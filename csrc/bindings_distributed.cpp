// Python bindings of the arithmetic distributed training does on a worker's weights: the
// half-precision codec of the changes it sends, and the changes and merges of rows.
#include <cstdint>
#include <optional>
#include <string>

#include "bindings_common.h"
#include "half_float.h"
#include "row_merge.h"

namespace w2v {
namespace {

using ConstMatrix = nb::ndarray<const float, nb::ndim<2>, nb::c_contig, nb::device::cpu>;
using HalfMatrix = nb::ndarray<uint16_t, nb::ndim<2>, nb::c_contig, nb::device::cpu>;
using ConstHalfMatrix = nb::ndarray<const uint16_t, nb::ndim<2>, nb::c_contig, nb::device::cpu>;
using Ids = std::optional<In1<int64_t>>;
using Positions = nb::ndarray<int64_t, nb::ndim<1>, nb::c_contig, nb::device::cpu>;

// The rows `ids` (None: the first `count`) of a matrix of `height` rows, checked: the kernels
// index with them unchecked.
RowSet row_set(const Ids& ids, size_t count, size_t height) {
  if (!ids) {
    if (count > height) throw nb::value_error("more rows than the matrix has");
    return RowSet{nullptr, count};
  }
  if (ids->shape(0) != count) throw nb::value_error("rows and the arrays of rows differ in length");
  const int64_t* p = ids->data();
  for (size_t i = 0; i < count; ++i)
    if (p[i] < 0 || static_cast<size_t>(p[i]) >= height)
      throw nb::index_error("a row id is outside the matrix");
  return RowSet{p, count};
}

template <class A, class B>
void same_shape(const A& a, const B& b, const char* what) {
  if (a.shape(0) != b.shape(0) || a.shape(1) != b.shape(1))
    throw nb::value_error((std::string(what) + " differ in shape").c_str());
}

template <class Out>
void bind_row_changes(nb::module_& m) {
  m.def(
      "row_changes",
      [](ConstMatrix trained, ConstMatrix synced, Ids rows, Out out, Positions changed) {
        same_shape(trained, synced, "trained and synced");
        if (out.shape(1) != trained.shape(1)) throw nb::value_error("out has the wrong width");
        if (changed.shape(0) < out.shape(0)) throw nb::value_error("changed is too short");
        const RowSet set = row_set(rows, out.shape(0), trained.shape(0));
        nb::gil_scoped_release release;
        return row_changes(trained.data(), synced.data(), trained.shape(1), set, out.data(),
                           changed.data());
      },
      "trained"_a, "synced"_a, "rows"_a.none(), "out"_a.noconvert(), "changed"_a.noconvert(),
      "Writes into `out` (float32, or uint16 for IEEE halves) row i = `trained` - `synced` at "
      "row `rows[i]` (`rows` None: row i), and into `changed` the positions i whose change is "
      "not all +0.0; returns how many.");
}

template <class... Own>
void apply(Matrix trained, Matrix synced, const Ids& rows, ConstMatrix total, const Own&... own) {
  same_shape(trained, synced, "trained and synced");
  if (total.shape(1) != trained.shape(1)) throw nb::value_error("total has the wrong width");
  ((same_shape(total, own, "total and own")), ...);
  const RowSet set = row_set(rows, total.shape(0), trained.shape(0));
  nb::gil_scoped_release release;
  apply_merged(trained.data(), synced.data(), trained.shape(1), set, total.data(), own.data()...);
}

// apply_merged with `own` as float32 or as halves (an overload each: never a converted copy).
template <class Own>
void bind_apply_own(nb::module_& m, const char* doc) {
  m.def(
      "apply_merged",
      [](Matrix trained, Matrix synced, Ids rows, ConstMatrix total, Own own) {
        apply(trained, synced, rows, total, own);
      },
      "trained"_a.noconvert(), "synced"_a.noconvert(), "rows"_a.none(), "total"_a,
      "own"_a.noconvert(), doc);
}

}  // namespace

void bind_distributed(nb::module_& m) {
  using Floats = nb::ndarray<float, nb::c_contig, nb::device::cpu>;
  using ConstFloats = nb::ndarray<const float, nb::c_contig, nb::device::cpu>;
  using Halves = nb::ndarray<uint16_t, nb::c_contig, nb::device::cpu>;
  using ConstHalves = nb::ndarray<const uint16_t, nb::c_contig, nb::device::cpu>;
  // Each converts `source` into `out`, element for element; `out` is written in place, so it is
  // never a converted copy (noconvert): a wrong dtype is an error, not a silent no-op.
  auto codec = [&m](const char* name, auto convert, auto in_type, auto out_type, const char* doc) {
    using In = decltype(in_type);
    using Out = decltype(out_type);
    m.def(
        name,
        [convert](In source, Out out) {
          if (source.size() != out.size())
            throw nb::value_error("the input and output arrays differ in size");
          nb::gil_scoped_release release;
          convert(source.data(), source.size(), out.data());
        },
        "source"_a, "out"_a.noconvert(), doc);
  };
  codec("to_half", &to_half, ConstFloats{}, Halves{},
        "Writes into `out` (uint16) the IEEE half nearest to each float32 of `source` (ties to "
        "even), saturated to +-65504.");
  codec("from_half", &from_half, ConstHalves{}, Floats{},
        "Writes into `out` (float32) the values of the halves `source` (uint16 bits).");
  codec("add_half", &add_half, ConstHalves{}, Floats{},
        "Adds to `out` (float32) the values of the halves `source` (uint16 bits).");

  bind_row_changes<Matrix>(m);
  bind_row_changes<HalfMatrix>(m);
  const char* apply_doc =
      "Applies the merged change `total` to rows `rows` (None: the first len(total)) of "
      "`trained` and `synced`: synced += total, then trained = synced; with `own` (this "
      "worker's change as sent, float32 or IEEE halves), trained += total - own instead.";
  m.def(
      "apply_merged",
      [](Matrix trained, Matrix synced, Ids rows, ConstMatrix total) {
        apply(trained, synced, rows, total);
      },
      "trained"_a.noconvert(), "synced"_a.noconvert(), "rows"_a.none(), "total"_a, apply_doc);
  bind_apply_own<ConstMatrix>(m, apply_doc);
  bind_apply_own<ConstHalfMatrix>(m, apply_doc);
}

}  // namespace w2v
