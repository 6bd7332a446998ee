"""People: users and their devices (tokens), HQ logins under a rate limit, whose phones a
person manages."""
