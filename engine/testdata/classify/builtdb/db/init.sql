CREATE TABLE seed (id int);
