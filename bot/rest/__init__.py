"""The REST API's parts: `params` (query parameters), `routes`,
`openapi` (the document) and `http` (middlewares, connection limits, the runner). `bot.rest.app` assembles them.
The JSON bodies and their schemas are the core's (`morelike.answers`), shared with the terminal."""
