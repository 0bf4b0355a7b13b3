// Python bindings: argument conversion only; the work happens in the plain C++ classes. One
// file per concept (bindings_*.cpp); this one makes the module.
#include "bindings_common.h"

NB_MODULE(_core, m) {
  using namespace w2v;
  m.doc() = "w2v's native core: file reading, vocabulary counting, sampling and training.";

  nb::enum_<SplitMode>(m, "SplitMode", "Where a file corpus's sentences end.")
      .value("lines", SplitMode::kLines, "At each newline (LineSentence).")
      .value("stream", SplitMode::kStream,
             "Newlines are ordinary whitespace; sentences are runs of max_sentence_length "
             "tokens (Text8Corpus).");

  bind_training(m);
  bind_distributed(m);
  bind_vocabulary(m);
  bind_text(m);
  bind_phrases(m);
}
