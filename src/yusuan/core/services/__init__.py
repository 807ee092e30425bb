"""Write services of the data centre: validate, lock, write and audit in one transaction."""
