CREATE TABLE seed (id int PRIMARY KEY, note text NOT NULL);
INSERT INTO seed VALUES (1, 'from-init-script');
