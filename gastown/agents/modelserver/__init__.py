"""A scripted model server: answers agent clients' API requests on 127.0.0.1 with a
script's tool calls, then its final text, so real clients run with no real model.

It speaks Anthropic Messages (Claude Code), OpenAI Responses (Codex) and OpenAI chat
completions, streamed as each client asks. Which step to play is read from the request
itself (step k = the number of tool results already in it), so the server keeps no
conversation state. Every request is appended to a JSONL log for tests to read.
"""
