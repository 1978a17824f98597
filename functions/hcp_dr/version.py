"""The hcp-dr version recorded in every manifest and report."""

TOOL_VERSION = "0.1.0"
