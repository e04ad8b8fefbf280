"""Plain-Python building blocks that the engine and the web share: the lowest layer. Nothing here imports
Django, Celery or anything of the project, so that ``generation.engine`` (which runs alone on a GPU machine)
and the ground floor (``sora_social.core``, which may not import the generation app) can both use it.

- ``toolkit.mp4``: frames to a streamable H.264 MP4.
- ``toolkit.minilm``: the pretrained MiniLM text model: word pieces, token states, sentence embeddings.
"""
