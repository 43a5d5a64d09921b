FROM ruby:3.3
COPY . /app
