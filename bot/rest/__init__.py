"""The REST API's parts: `params` (query parameters), `shapes` (JSON bodies and their schemas), `routes`,
`openapi` (the document) and `http` (middlewares, connection limits, the runner). `bot.api` assembles them."""
