"""Users, roles (岗位), data scopes, separation of duties, API tokens."""
