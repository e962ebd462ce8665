module github.com/acme/orders

go 1.25

require github.com/jackc/pgx/v5 v5.7.5
