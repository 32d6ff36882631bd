/** The GraphQL schema served at /graphql (README.md, "GraphQL"). */
export const typeDefs = /* GraphQL */ `
  scalar JSON

  type Component {
    name: String!
    status: String!
    latencyMs: Float!
    error: String
  }

  type Health {
    status: String!
    components: [Component!]!
  }

  type Model {
    name: String!
    collection: String!
    dimension: Int!
    distance: String!
    backupPriority: String!
  }

  type Collection {
    name: String!
    model: String
    status: String!
    pointsCount: Int
    dimension: Int
  }

  type Hit {
    id: JSON!
    score: Float!
    payload: JSON
  }

  type SearchResult {
    collection: String!
    model: String
    cached: Boolean!
    tookMs: Float!
    results: [Hit!]!
  }

  type Query {
    health: Health!
    models: [Model!]!
    collections: [Collection!]!
    search(collection: String, model: String, vector: [Float!]!, limit: Int = 10, withPayload: Boolean = false, scoreThreshold: Float): SearchResult!
  }
`;
