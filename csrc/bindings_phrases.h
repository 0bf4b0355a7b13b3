// A frozen phrase table as Python holds it: shared by the phrase, vocabulary and training
// bindings (each can join phrases while it reads).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "bindings_common.h"
#include "phrase_applier.h"

namespace w2v {

inline std::shared_ptr<const PhraseRules> phrase_rules(const std::string& delimiter,
                                                       nb::handle connectors) {
  std::vector<std::string> words;
  for (nb::handle w : connectors) words.emplace_back(token_bytes(w.ptr()));
  return std::make_shared<const PhraseRules>(delimiter, words);
}

class PyPhraseTable {
 public:
  PyPhraseTable(const std::string& delimiter, nb::handle connectors, double threshold,
                nb::handle keys, In1<double> scores) {
    auto t = std::make_shared<PhraseTable>(phrase_rules(delimiter, connectors), threshold);
    nb::object seq = nb::steal(PySequence_Fast(keys.ptr(), "keys must be a sequence of str"));
    if (!seq.is_valid()) throw nb::python_error();
    const size_t n = static_cast<size_t>(PySequence_Fast_GET_SIZE(seq.ptr()));
    if (n != scores.shape(0)) throw nb::value_error("keys and scores differ in length");
    PyObject** items = PySequence_Fast_ITEMS(seq.ptr());
    for (size_t i = 0; i < n; ++i) t->add(token_bytes(items[i]), scores(i));
    table = std::move(t);
  }
  std::shared_ptr<const PhraseTable> table;
};

}  // namespace w2v
