"""The embedding model: the protocol the index and the engine use (`protocol`), its two backends
(`onnx_backend`, the default, and `torch_backend`), and `create(settings)`, the one place a model is
made for the CLI, the server, the Python API and the benches."""
