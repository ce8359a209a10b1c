"""Models and the runtimes that run them, below the summarisers that use them.

`registry` names the checkpoint serving each language and where its weights are; `embeddings` is
the sentence-embedding model; `runtimes` the folders of converted copies, with `onnx_embedding`
(the embedder on ONNX Runtime) and `ct2_seq2seq` (seq2seq checkpoints on CTranslate2).
"""
